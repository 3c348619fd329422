-- q20: expand bid with auction. Every bid joined with its auction, for auctions in category 10 only
-- (a regular join with a filter on one side).

CREATE TABLE nexmark_q20 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    channel STRING,
    url STRING,
    bid_dateTime TIMESTAMP(3),
    bid_extra STRING,
    itemName STRING,
    description STRING,
    initialBid BIGINT,
    reserve BIGINT,
    auction_dateTime TIMESTAMP(3),
    expires TIMESTAMP(3),
    seller BIGINT,
    category BIGINT,
    auction_extra STRING
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q20
SELECT
    B.auction, B.bidder, B.price, B.channel, B.url, B.dateTime AS bid_dateTime, B.extra AS bid_extra,
    A.itemName, A.description, A.initialBid, A.reserve, A.dateTime AS auction_dateTime, A.expires,
    A.seller, A.category, A.extra AS auction_extra
FROM bid AS B
INNER JOIN auction AS A ON B.auction = A.id
WHERE A.category = 10;
