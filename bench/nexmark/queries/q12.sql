-- q12: processing-time windows. The number of bids of each bidder in 10-second tumbling windows of
-- processing time (wall clock), not event time.

CREATE TABLE nexmark_q12 (
    bidder BIGINT,
    bid_count BIGINT,
    starttime TIMESTAMP(3),
    endtime TIMESTAMP(3)
) WITH (
    'connector' = 'blackhole'
);

CREATE TEMPORARY VIEW bid_q12 AS
SELECT auction, bidder, price, channel, url, dateTime, extra, PROCTIME() AS p_time
FROM bid;

INSERT INTO nexmark_q12
SELECT
    bidder,
    COUNT(*) AS bid_count,
    window_start AS starttime,
    window_end AS endtime
FROM TABLE(TUMBLE(TABLE bid_q12, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;
