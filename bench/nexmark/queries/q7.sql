-- q7: highest bid. The bids with the highest price of each 10-second tumbling window: the maximum per
-- window joined back to the bids of that window.

CREATE TABLE nexmark_q7 (
    auction BIGINT,
    price BIGINT,
    bidder BIGINT,
    dateTime TIMESTAMP(3),
    extra STRING
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q7
SELECT B.auction, B.price, B.bidder, B.dateTime, B.extra
FROM bid AS B
INNER JOIN (
    SELECT
        MAX(price) AS maxprice,
        window_end AS dateTime
    FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
    GROUP BY window_start, window_end
) AS B1
ON B.price = B1.maxprice
WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime;
