#pragma once
// One Bolt connection to a Neo4j server (Bolt 5.0-5.8 and 4.4).
//
// Open() connects (TCP or TLS), negotiates the version (proposing 5.8 down to 5.0, then 4.4),
// and logs in with basic auth (HELLO, plus LOGON from Bolt 5.1). Queries stream: Run() sends
// RUN and PULL {n: fetch_size} and hands each record to a callback as it is decoded, pulling
// the next batch only when the previous one is consumed; nothing holds a whole result.
//
// Errors (Result/Status, never exceptions):
//   kUnavailable        connection refused, lost, TLS failure, Neo.TransientError.*,
//                       Neo.DatabaseError.*; the connection is broken afterwards
//   kDeadlineExceeded   connect or read deadline passed; the connection is broken afterwards
//   kUnauthenticated    "Neo4j rejected the credentials for user X." (and rate limiting)
//   kPermissionDenied   Neo.ClientError.Security.Forbidden (message names the missing right)
//   kNotFound           the database does not exist
//   kInvalidArgument    Neo.ClientError.Statement.* (syntax, types, parameters)
//   kFailedPrecondition no common Bolt version, other Neo.ClientError.*
// Every Neo4j failure carries the detail "neo4j_code". After a FAILURE the connection sends
// RESET itself, so it is ready for the next query (an open transaction is rolled back).
//
// Not thread-safe: one thread uses a connection at a time (see BoltPool for sharing).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "feed/neo4j/bolt/bolt_uri.h"
#include "feed/neo4j/bolt/packstream.h"

namespace retrain::bolt {

class Transport;

struct BoltConfig {
  BoltAddress address;
  std::string user;
  std::string password;  // never logged
  std::string ca_file;   // extra trusted CA (PEM) for +s schemes
  int64_t connect_timeout_ms = 5000;
  // Longest wait for the next message from the server (a query's first answer included).
  int64_t read_timeout_ms = 60000;
  std::string user_agent = "retrain/0.1";
};

struct BoltVersion {
  int major = 0, minor = 0;
  bool AtLeast(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
};

struct RunOptions {
  std::string database;       // "" = the server's default database
  int64_t fetch_size = 1000;  // records per PULL; -1 = all at once
  bool read_only = false;     // mode "r" (routes to a reader in a cluster)
};

struct QuerySummary {
  std::vector<std::string> fields;
  int64_t records = 0;   // records handed to the callback
  bool stopped = false;  // the callback asked to stop (the rest was discarded)
  Dict metadata;         // the final SUCCESS metadata (type, stats, bookmark, ...)
};

// Receives one record (values in `fields` order). Return false to stop the stream.
using RecordFn = std::function<bool(const List& values)>;

class BoltConnection {
 public:
  [[nodiscard]] static Result<std::unique_ptr<BoltConnection>> Open(const BoltConfig& config);
  ~BoltConnection();  // says GOODBYE when still usable, then closes
  BoltConnection(const BoltConnection&) = delete;
  BoltConnection& operator=(const BoltConnection&) = delete;

  // Runs `query` with `params`, streaming records to `fn` (may be empty to discard them).
  // Inside Begin()/Commit() when a transaction is open, else auto-commit.
  [[nodiscard]] Result<QuerySummary> Run(std::string_view query, const Dict& params,
                                         const RecordFn& fn, const RunOptions& options = {});

  [[nodiscard]] Status Begin(const RunOptions& options = {});
  [[nodiscard]] Status Commit();
  [[nodiscard]] Status Rollback();
  // Returns the connection to a clean state (ends any transaction or failure).
  [[nodiscard]] Status Reset();
  // Ends the session politely; the connection is closed afterwards.
  void Goodbye();

  // False once the connection was lost or timed out; it must be thrown away then.
  bool usable() const;
  bool in_transaction() const { return in_tx_; }
  BoltVersion version() const { return version_; }
  const std::string& server_agent() const { return server_agent_; }

 private:
  struct Message {
    uint8_t tag = 0;
    std::vector<Value> fields;
  };
  BoltConnection(const BoltConfig& config, std::unique_ptr<Transport> transport);
  Status Handshake();
  Status Login();
  void Queue(uint8_t tag, const std::vector<Value>& fields);
  Status Flush();
  Result<Message> Receive();
  // Reads one message that must be SUCCESS; turns FAILURE into an Error (and resets).
  Result<Dict> ExpectSuccess(std::string_view what);
  Error FailureToError(const Dict& metadata);
  Status ReadExact(uint8_t* out, size_t n);
  Status Broken(Error error);

  BoltConfig config_;
  std::unique_ptr<Transport> transport_;
  BoltVersion version_;
  std::string server_agent_;
  std::string out_;          // queued chunked messages
  std::vector<uint8_t> in_;  // read buffer
  size_t in_pos_ = 0, in_end_ = 0;
  std::vector<uint8_t> message_;  // the message being assembled
  bool broken_ = false;
  bool in_tx_ = false;
  bool failed_ = false;  // a FAILURE is pending RESET
};

// Maps a Neo4j status code and message to an Error (see the table above). `user` names the
// account in authentication errors.
Error Neo4jError(std::string_view code, std::string_view message, std::string_view user);

}  // namespace retrain::bolt
