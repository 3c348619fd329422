/*
 * The PostgreSQL JDBC driver against a Freshet server. Run as a single-file source program:
 *
 *   java -cp postgresql.jar JdbcCheck.java PORT
 *
 * Each step prints one line per value, "step<TAB>key<TAB>value", or "step<TAB>error<TAB>SQLSTATE message" when
 * the step fails; the test checks the lines. Steps are independent so that one failure does not hide the rest.
 */
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HexFormat;
import java.util.Properties;
import java.io.StringReader;
import java.io.StringWriter;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;

public class JdbcCheck {
    interface Step {
        void run() throws Exception;
    }

    static String current = "";

    static void out(String key, Object value) {
        String text = value instanceof byte[] ? HexFormat.of().formatHex((byte[]) value) : String.valueOf(value);
        System.out.println(current + "\t" + key + "\t" + text.replace('\n', ' ').replace('\t', ' '));
    }

    static void step(String name, Step s) {
        current = name;
        try {
            s.run();
            out("ok", "true");
        } catch (SQLException e) {
            out("error", e.getSQLState() + " " + e.getMessage());
        } catch (Exception e) {
            out("error", "- " + e);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/freshet";
        Properties props = new Properties();
        props.setProperty("user", "jdbc");
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        try (Connection conn = DriverManager.getConnection(url, props)) {
            step("connect", () -> {
                DatabaseMetaData md = conn.getMetaData();
                out("product", md.getDatabaseProductName());
                out("version", md.getDatabaseProductVersion());
                out("driver", md.getDriverName());
            });

            step("statement", () -> {
                try (Statement st = conn.createStatement()) {
                    st.execute("CREATE TABLE jdbc_items (id INT, name STRING, price DECIMAL(10, 2), day DATE, at TIMESTAMP(6), ok BOOLEAN, "
                        + "big BIGINT, ratio DOUBLE, raw BYTES)");
                    out("insert", st.executeUpdate("INSERT INTO jdbc_items VALUES (1, 'one', 1.50, DATE '2024-01-15', "
                        + "TIMESTAMP '2024-01-15 10:00:00', TRUE, 10000000000, 0.5, X'01')"));
                    try (ResultSet rs = st.executeQuery("SELECT id, name FROM jdbc_items ORDER BY id")) {
                        while (rs.next()) out("row", rs.getInt(1) + "|" + rs.getString(2));
                    }
                }
            });

            step("prepared", () -> {
                try (PreparedStatement ps = conn.prepareStatement("INSERT INTO jdbc_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setInt(1, 2);
                    ps.setString(2, "héllo 'quoted'");
                    ps.setBigDecimal(3, new BigDecimal("12.50"));
                    // java.time values go with their type (date, timestamp); java.sql.Date and Timestamp go untyped
                    ps.setObject(4, LocalDate.of(2024, 2, 29));
                    ps.setObject(5, LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123456000));
                    ps.setBoolean(6, false);
                    ps.setLong(7, 9007199254740993L);
                    ps.setDouble(8, 0.1);
                    ps.setBytes(9, new byte[] {0, (byte) 0xff, 0x10});
                    out("insert", ps.executeUpdate());
                }
                // past prepareThreshold (5) the driver switches to a named server-side statement
                try (PreparedStatement ps = conn.prepareStatement(
                        "SELECT id, name, price, day, at, ok, big, ratio, raw FROM jdbc_items WHERE id = ?")) {
                    for (int i = 0; i < 7; i++) {
                        ps.setInt(1, 2);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next()) throw new IllegalStateException("no row in round " + i);
                            if (i < 6) continue;
                            out("id", rs.getInt("id"));
                            out("name", rs.getString("name"));
                            out("price", rs.getBigDecimal("price"));
                            out("day", rs.getDate("day"));
                            out("at", rs.getTimestamp("at"));
                            out("flag", rs.getBoolean("ok"));
                            out("big", rs.getLong("big"));
                            out("ratio", rs.getDouble("ratio"));
                            out("raw", rs.getBytes("raw"));
                        }
                    }
                }
            });

            step("metadata", () -> {
                try (Statement st = conn.createStatement();
                     ResultSet rs = st.executeQuery("SELECT id, name, price, day, at, ok, big, ratio, raw FROM jdbc_items")) {
                    ResultSetMetaData md = rs.getMetaData();
                    out("count", md.getColumnCount());
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        out("column", md.getColumnName(i) + "|" + md.getColumnTypeName(i) + "|" + md.getColumnType(i));
                    }
                }
            });

            step("transaction", () -> {
                conn.setAutoCommit(false);
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM jdbc_items")) {
                    rs.next();
                    out("count", rs.getLong(1));
                }
                conn.commit();
                conn.setAutoCommit(true);
            });

            step("copy", () -> {
                try (Statement st = conn.createStatement()) {
                    st.execute("CREATE TABLE jdbc_copy (id INT, name STRING)");
                }
                CopyManager copy = conn.unwrap(PGConnection.class).getCopyAPI();
                StringBuilder csv = new StringBuilder();
                for (int i = 1; i <= 1000; i++) csv.append(i).append(",\"name ").append(i).append("\"\n");
                out("in", copy.copyIn("COPY jdbc_copy FROM STDIN WITH (FORMAT csv)", new StringReader(csv.toString())));
                StringWriter w = new StringWriter();
                out("out", copy.copyOut("COPY (SELECT id, name FROM jdbc_copy WHERE id <= 2 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", w));
                out("text", w.toString());
            });

            step("fetchsize", () -> {
                // with autocommit off and a fetch size the driver reads a portal in pieces (Execute with a row limit)
                conn.setAutoCommit(false);
                try (Statement st = conn.createStatement()) {
                    st.setFetchSize(64);
                    long n = 0;
                    long sum = 0;
                    try (ResultSet rs = st.executeQuery("SELECT id FROM jdbc_copy")) {
                        while (rs.next()) { n++; sum += rs.getInt(1); }
                    }
                    out("rows", n);
                    out("sum", sum);
                } finally {
                    conn.commit();
                    conn.setAutoCommit(true);
                }
            });

            step("subscribe", () -> {
                try (Connection other = DriverManager.getConnection(url, props); Statement ow = other.createStatement()) {
                    ow.execute("CREATE TABLE jdbc_feed (id INT, v STRING)");
                    ow.execute("INSERT INTO jdbc_feed VALUES (1, 'one')");
                    conn.setAutoCommit(false);
                    try (Statement st = conn.createStatement()) {
                        st.setFetchSize(1);
                        ResultSet rs = st.executeQuery("SUBSCRIBE TO jdbc_feed");
                        rs.next();
                        out("first", rs.getString("op") + "|" + rs.getInt("id") + "|" + rs.getString("v"));
                        ow.execute("INSERT INTO jdbc_feed VALUES (2, 'two')");
                        rs.next();
                        out("change", rs.getString("op") + "|" + rs.getInt("id") + "|" + rs.getString("v"));
                        rs.close(); // closes the portal: the subscription stops
                    } finally {
                        conn.commit();
                        conn.setAutoCommit(true);
                    }
                    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM jdbc_feed")) {
                        rs.next();
                        out("after", rs.getLong(1));
                    }
                }
            });

            step("error", () -> {
                try (Statement st = conn.createStatement()) {
                    st.executeQuery("SELECT id,\n nope FROM jdbc_items");
                    out("thrown", "false");
                } catch (PSQLException e) {
                    out("sqlstate", e.getSQLState());
                    out("position", e.getServerErrorMessage() == null ? "none" : e.getServerErrorMessage().getPosition());
                }
                try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                    rs.next();
                    out("after", rs.getInt(1));
                }
            });

            step("getTables", () -> {
                DatabaseMetaData md = conn.getMetaData();
                try (ResultSet rs = md.getTables(null, null, "jdbc_items", new String[] {"TABLE"})) {
                    while (rs.next()) out("table", rs.getString("TABLE_SCHEM") + "|" + rs.getString("TABLE_NAME") + "|" + rs.getString("TABLE_TYPE"));
                }
            });

            step("getColumns", () -> {
                DatabaseMetaData md = conn.getMetaData();
                try (ResultSet rs = md.getColumns(null, null, "jdbc_items", null)) {
                    while (rs.next()) {
                        out("column", rs.getInt("ORDINAL_POSITION") + "|" + rs.getString("COLUMN_NAME") + "|" + rs.getString("TYPE_NAME")
                            + "|" + rs.getInt("DATA_TYPE"));
                    }
                }
            });
        }
    }
}
