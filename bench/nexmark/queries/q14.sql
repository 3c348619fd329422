-- q14: calculation. Bids whose price in euros lies strictly between 1 000 000 and 50 000 000, with the
-- part of the day they were placed in and the number of 'c' characters in their extra field, counted by
-- a user-defined scalar function (bench/nexmark/udf/count-char.js).

CREATE FUNCTION count_char AS 'bench/nexmark/udf/count-char.js#countChar';

CREATE TABLE nexmark_q14 (
    auction BIGINT,
    bidder BIGINT,
    price DECIMAL(23, 3),
    bidTimeType STRING,
    dateTime TIMESTAMP(3),
    extra STRING,
    c_counts INT
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q14
SELECT
    auction,
    bidder,
    0.908 * price AS price,
    CASE
        WHEN HOUR(dateTime) >= 8 AND HOUR(dateTime) <= 18 THEN 'dayTime'
        WHEN HOUR(dateTime) <= 6 OR HOUR(dateTime) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    dateTime,
    extra,
    count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
