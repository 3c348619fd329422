-- q9: winning bids. Each auction with its winning bid: the highest bid (earliest first on ties) placed
-- while the auction was open. A join followed by a ROW_NUMBER Top-1 per auction; the state holds every
-- open auction and its bids.

CREATE TABLE nexmark_q9 (
    id BIGINT,
    itemName STRING,
    description STRING,
    initialBid BIGINT,
    reserve BIGINT,
    dateTime TIMESTAMP(3),
    expires TIMESTAMP(3),
    seller BIGINT,
    category BIGINT,
    extra STRING,
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    bid_dateTime TIMESTAMP(3),
    bid_extra STRING
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q9
SELECT
    id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra,
    auction, bidder, price, bid_dateTime, bid_extra
FROM (
    SELECT
        A.id, A.itemName, A.description, A.initialBid, A.reserve, A.dateTime, A.expires, A.seller,
        A.category, A.extra,
        B.auction, B.bidder, B.price, B.dateTime AS bid_dateTime, B.extra AS bid_extra,
        ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.dateTime ASC) AS rownum
    FROM auction AS A
    INNER JOIN bid AS B ON A.id = B.auction
    WHERE B.dateTime BETWEEN A.dateTime AND A.expires
)
WHERE rownum <= 1;
