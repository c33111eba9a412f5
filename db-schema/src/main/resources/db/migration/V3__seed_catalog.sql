-- 10,000 products in 40 categories, each with a price: enough for realistic key spaces and bulk repricing.
INSERT INTO products (sku, name, description, category)
SELECT 'SKU-' || lpad(g::text, 6, '0'),
       initcap(c.cat) || ' item ' || g,
       'Seeded ' || c.cat || ' product number ' || g,
       c.cat
FROM generate_series(1, 10000) AS g
CROSS JOIN LATERAL (
    SELECT (ARRAY['books','garden','kitchen','toys','audio','video','games','tools','bikes','camping',
                  'office','pets','baby','beauty','health','shoes','bags','watches','jewelry','lighting',
                  'bedding','bath','furniture','rugs','paint','plumbing','electrical','auto','marine','music',
                  'phones','laptops','tablets','cameras','drones','printers','storage','network','software','snacks'])
           [((g - 1) % 40) + 1] AS cat
) AS c;

INSERT INTO prices (product_id, amount_minor, currency)
SELECT id, 199 + (id * 7919) % 99800, 'USD'
FROM products;
