-- Every product id the sequence hands out is allocated under a shared, transaction-scoped advisory lock, held until
-- the allocating transaction ends. The services' id filters (Bloom filters of existing ids) take the lock
-- exclusively for a moment (pg_try_advisory_lock, so a waiting filter never blocks a create): while they hold it no
-- transaction has an allocated but unfinished id, so every id up to the sequence's value is either visible or will
-- never exist. That is what lets a filter answer "no such product" for an id without a window in which a product
-- just created is refused. (An INSERT that names its own id bypasses this; docs/decisions.md.)
CREATE FUNCTION next_product_id() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7210001);
    RETURN nextval('products_id_seq');
END;
$$;

ALTER TABLE products ALTER COLUMN id SET DEFAULT next_product_id();
