-- q1: currency conversion. Every bid with its price converted from dollars to euros (exact DECIMAL
-- arithmetic: 0.908 is DECIMAL(4, 3)).

CREATE TABLE nexmark_q1 (
    auction BIGINT,
    bidder BIGINT,
    price DECIMAL(23, 3),
    dateTime TIMESTAMP(3),
    extra STRING
) WITH (
    'connector' = 'blackhole'
);

INSERT INTO nexmark_q1
SELECT
    auction,
    bidder,
    0.908 * price AS price,
    dateTime,
    extra
FROM bid;
