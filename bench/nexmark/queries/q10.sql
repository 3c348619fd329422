-- q10: log to a file system. Every bid written to a filesystem table partitioned by day and by
-- minute of its event time; in streaming, partitions are committed (with a _SUCCESS file) as time
-- passes them.

CREATE TABLE nexmark_q10 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    dateTime TIMESTAMP(3),
    extra STRING,
    dt STRING,
    hm STRING
) PARTITIONED BY (dt, hm) WITH (
    'connector' = 'filesystem',
    'path' = '/tmp/freshet-nexmark/q10',
    'format' = 'csv',
    'sink.partition-commit.trigger' = 'process-time',
    'sink.partition-commit.delay' = '1 min',
    'sink.partition-commit.policy.kind' = 'success-file'
);

INSERT INTO nexmark_q10
SELECT
    auction,
    bidder,
    price,
    dateTime,
    extra,
    DATE_FORMAT(dateTime, 'yyyy-MM-dd') AS dt,
    DATE_FORMAT(dateTime, 'HH:mm') AS hm
FROM bid;
