-- q13: bounded side input join. Every bid enriched with a value from a side-input file, looked up by
-- auction id modulo 10000 (a lookup join on processing time). The file is bench/nexmark/data/side_input.csv
-- (`npx tsx bench/nexmark/side-input.ts` writes it); paths are relative to the repository root.

CREATE TABLE side_input (
    `key` BIGINT,
    `value` STRING
) WITH (
    'connector' = 'filesystem',
    'path' = 'bench/nexmark/data/side_input.csv',
    'format' = 'csv'
);

CREATE TABLE nexmark_q13 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    dateTime TIMESTAMP(3),
    `value` STRING
) WITH (
    'connector' = 'blackhole'
);

CREATE TEMPORARY VIEW bid_q13 AS
SELECT auction, bidder, price, channel, url, dateTime, extra, PROCTIME() AS p_time
FROM bid;

INSERT INTO nexmark_q13
SELECT B.auction, B.bidder, B.price, B.dateTime, S.`value`
FROM bid_q13 AS B
INNER JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON MOD(B.auction, 10000) = S.`key`;
