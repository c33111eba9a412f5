-- products: owned by catalog-service. prices: owned by pricing-service. One database, many writers.
CREATE TABLE products (
    id          BIGSERIAL PRIMARY KEY,
    sku         VARCHAR(64)  NOT NULL UNIQUE,
    name        VARCHAR(200) NOT NULL,
    description TEXT         NOT NULL DEFAULT '',
    category    VARCHAR(64)  NOT NULL,
    version     BIGINT       NOT NULL DEFAULT 1,
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX products_category_id_idx ON products (category, id);

CREATE TABLE prices (
    product_id   BIGINT      PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    amount_minor BIGINT      NOT NULL CHECK (amount_minor >= 0),
    currency     CHAR(3)     NOT NULL,
    version      BIGINT      NOT NULL DEFAULT 1,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every UPDATE bumps version and updated_at, whoever runs it: a service, a batch job or a DBA in psql.
-- That makes "is this reader fresh?" a comparison of versions for every write path, including raw SQL.
CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER products_bump_version BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER prices_bump_version BEFORE UPDATE ON prices
    FOR EACH ROW EXECUTE FUNCTION bump_version();
