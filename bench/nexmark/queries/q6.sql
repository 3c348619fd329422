-- q6: average selling price by seller. For each seller, the average winning price of their last 10
-- closed auctions. The winning bid of an auction is its Top-1 bid by price (earliest first on ties)
-- among those placed while it was open; the average runs over each seller's 10 most recent wins.
-- In streaming the Top-1 is an updating input to the OVER window (Flink cannot plan this query): each
-- change recomputes the seller's window. Auctions closing in the same millisecond are ordered by id,
-- so "the 10 most recent" does not depend on the order rows arrive in.

CREATE TABLE nexmark_q6 (
    seller BIGINT,
    avg_price BIGINT
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q6
SELECT
    seller,
    CAST(AVG(final_price) OVER (
        PARTITION BY seller
        ORDER BY dateTime, id
        ROWS BETWEEN 9 PRECEDING AND CURRENT ROW
    ) AS BIGINT) AS avg_price
FROM (
    SELECT id, seller, final_price, dateTime
    FROM (
        SELECT
            A.id,
            A.seller,
            B.price AS final_price,
            B.dateTime,
            ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) AS rownum
        FROM auction AS A
        INNER JOIN bid AS B ON A.id = B.auction
        WHERE B.dateTime BETWEEN A.dateTime AND A.expires
    )
    WHERE rownum <= 1
);
