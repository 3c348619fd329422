-- q0: pass-through. Every bid, unchanged: measures the cost of the framework itself (source, projection,
-- sink) against the generator alone.

CREATE TABLE nexmark_q0 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    dateTime TIMESTAMP(3),
    extra STRING
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q0
SELECT auction, bidder, price, dateTime, extra
FROM bid;
