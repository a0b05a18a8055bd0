package dev.retrain.neo4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.configuration.ssl.ClientAuth;
import org.neo4j.configuration.ssl.SslPolicyConfig;
import org.neo4j.configuration.ssl.SslPolicyScope;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.server.configuration.ConfigurableServerModules;
import org.neo4j.server.configuration.ServerSettings;

/**
 * Runs a real Neo4j 5 server in this JVM for the integration tests.
 *
 * <pre>
 * java -cp ... dev.retrain.neo4j.Launcher BOLT_PORT HTTP_PORT DATA_DIR PASSWORD [--tls]
 * </pre>
 *
 * Bolt and HTTP listen on 127.0.0.1 only. Authentication is enabled; the built-in user
 * {@code neo4j} gets PASSWORD (no change required). With --tls, Bolt also accepts TLS
 * connections (encryption optional) with the self-signed certificate the harness generates for
 * "localhost" (DATA_DIR/&lt;server&gt;/certificates/public.crt). Prints
 * "BOLT bolt://127.0.0.1:PORT" and "HTTP http://..." once the server answers, then runs until
 * the process is terminated (the shutdown hook stops the database cleanly).
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: Launcher BOLT_PORT HTTP_PORT DATA_DIR PASSWORD [--tls]");
      System.exit(2);
    }
    int boltPort = Integer.parseInt(args[0]);
    int httpPort = Integer.parseInt(args[1]);
    Path dataDir = Path.of(args[2]);
    String password = args[3];
    Files.createDirectories(dataDir);

    Neo4jBuilder builder =
        Neo4jBuilders.newInProcessBuilder(dataDir)
            .withConfig(GraphDatabaseSettings.auth_enabled, true)
            .withConfig(GraphDatabaseSettings.pagecache_memory, 512L * 1024 * 1024)
            .withConfig(BoltConnector.enabled, true)
            .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", boltPort))
            .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", boltPort))
            .withConfig(HttpConnector.enabled, true)
            .withConfig(HttpConnector.listen_address, new SocketAddress("127.0.0.1", httpPort))
            .withConfig(
                ServerSettings.http_enabled_modules,
                EnumSet.allOf(ConfigurableServerModules.class));
    if (args.length >= 5 && args[4].equals("--tls")) {
      SslPolicyConfig bolt = SslPolicyConfig.forScope(SslPolicyScope.BOLT);
      builder =
          builder
              .withConfig(bolt.enabled, true)
              .withConfig(bolt.client_auth, ClientAuth.NONE)
              .withConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.OPTIONAL);
    }
    Neo4j neo4j = builder.build();
    Runtime.getRuntime().addShutdownHook(new Thread(neo4j::close));

    // The built-in user starts with the password "neo4j" marked for change; give it the
    // test password so clients can log in directly.
    neo4j
        .databaseManagementService()
        .database("system")
        .executeTransactionally(
            "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));

    System.out.println("BOLT " + neo4j.boltURI());
    System.out.println("HTTP " + neo4j.httpURI());
    System.out.flush();
    Thread.currentThread().join();
  }
}
