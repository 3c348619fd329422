-- q4: average price per category. The winning price of an auction is its highest bid placed while the
-- auction was open; the result is the average winning price of each category. Two levels of
-- aggregation: in streaming, the inner maximum changes as bids arrive and the outer average retracts
-- and re-adds it.

CREATE TABLE nexmark_q4 (
    category BIGINT,
    avg_final_price BIGINT
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q4
SELECT
    Q.category,
    CAST(AVG(Q.final_price) AS BIGINT) AS avg_final_price
FROM (
    SELECT
        A.id,
        A.category,
        MAX(B.price) AS final_price
    FROM auction AS A
    INNER JOIN bid AS B ON A.id = B.auction
    WHERE B.dateTime BETWEEN A.dateTime AND A.expires
    GROUP BY A.id, A.category
) AS Q
GROUP BY Q.category;
