-- q18: last bid. The latest bid of each bidder on each auction: deduplication keeping the last row by
-- event time (an updating result in streaming).

CREATE TABLE nexmark_q18 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    channel STRING,
    url STRING,
    dateTime TIMESTAMP(3),
    extra STRING
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q18
SELECT auction, bidder, price, channel, url, dateTime, extra
FROM (
    SELECT
        auction, bidder, price, channel, url, dateTime, extra,
        ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY dateTime DESC) AS rank_number
    FROM bid
)
WHERE rank_number <= 1;
