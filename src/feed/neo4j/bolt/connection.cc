#include "feed/neo4j/bolt/connection.h"

#include <cstring>

#include "feed/neo4j/bolt/transport.h"

namespace retrain::bolt {
namespace {

constexpr uint8_t kHello = 0x01, kGoodbye = 0x02, kReset = 0x0F, kRun = 0x10, kBegin = 0x11,
                  kCommit = 0x12, kRollback = 0x13, kDiscard = 0x2F, kPull = 0x3F, kLogon = 0x6A,
                  kSuccess = 0x70, kRecord = 0x71, kIgnored = 0x7E, kFailure = 0x7F;
constexpr size_t kReadBuffer = 64 * 1024;

std::string StringField(const Dict& d, std::string_view key) {
  for (const auto& [k, v] : d) {
    if (k == key) {
      if (auto* s = v.Get<std::string>()) return *s;
    }
  }
  return {};
}

const Value* Field(const Dict& d, std::string_view key) {
  for (const auto& [k, v] : d) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Error Neo4jError(std::string_view code, std::string_view message, std::string_view user) {
  ErrorCode ec = ErrorCode::kFailedPrecondition;
  std::string text;
  if (code == "Neo.ClientError.Security.Unauthorized") {
    ec = ErrorCode::kUnauthenticated;
    text = "Neo4j rejected the credentials for user " + std::string(user) + ".";
  } else if (code == "Neo.ClientError.Security.AuthenticationRateLimit") {
    ec = ErrorCode::kUnauthenticated;
    text = "Neo4j refuses to log in user " + std::string(user) +
           " for now after too many failed attempts.";
  } else if (code == "Neo.ClientError.Security.CredentialsExpired") {
    ec = ErrorCode::kUnauthenticated;
    text = "The Neo4j password of user " + std::string(user) +
           " has expired and must be changed first.";
  } else if (StartsWith(code, "Neo.ClientError.Security.")) {
    ec = ErrorCode::kPermissionDenied;
    text = "Neo4j denied user " + std::string(user) + " this operation: " + std::string(message);
  } else if (code == "Neo.ClientError.Database.DatabaseNotFound") {
    ec = ErrorCode::kNotFound;
    text = "Neo4j: " + std::string(message);
  } else if (StartsWith(code, "Neo.ClientError.Statement.") ||
             StartsWith(code, "Neo.ClientError.Schema.") ||
             StartsWith(code, "Neo.ClientError.Request.")) {
    ec = ErrorCode::kInvalidArgument;
    text = "Neo4j rejected the query (" + std::string(code) + "): " + std::string(message);
  } else if (StartsWith(code, "Neo.TransientError.") || StartsWith(code, "Neo.DatabaseError.")) {
    ec = ErrorCode::kUnavailable;
    text =
        "Neo4j could not complete the request (" + std::string(code) + "): " + std::string(message);
  } else {
    text = "Neo4j refused the request (" + std::string(code) + "): " + std::string(message);
  }
  Error e{ec, CodeName(ec), std::move(text), {}};
  e.With("neo4j_code", std::string(code));
  return e;
}

BoltConnection::BoltConnection(const BoltConfig& config, std::unique_ptr<Transport> transport)
    : config_(config), transport_(std::move(transport)), in_(kReadBuffer) {}

BoltConnection::~BoltConnection() { Goodbye(); }

Result<std::unique_ptr<BoltConnection>> BoltConnection::Open(const BoltConfig& config) {
  TransportOptions t{config.address.host, config.address.port, config.address.tls, config.ca_file,
                     config.connect_timeout_ms};
  auto transport = Transport::Connect(t);
  if (!transport) return std::unexpected(transport.error());
  std::unique_ptr<BoltConnection> c(new BoltConnection(config, std::move(*transport)));
  if (auto s = c->Handshake(); !s) return std::unexpected(s.error());
  if (auto s = c->Login(); !s) return std::unexpected(s.error());
  return c;
}

bool BoltConnection::usable() const { return !broken_ && transport_ && transport_->is_open(); }

Status BoltConnection::Broken(Error error) {
  broken_ = true;
  in_tx_ = false;
  if (transport_) transport_->Close();
  return std::unexpected(std::move(error));
}

Status BoltConnection::Handshake() {
  // Magic, then four proposals: 5.8 down to 5.0 (range 8), 4.4, and two empty slots.
  static constexpr uint8_t kHandshake[20] = {0x60, 0x60, 0xB0, 0x17, 0x00, 0x08, 0x08,
                                             0x05, 0x00, 0x00, 0x04, 0x04, 0,    0,
                                             0,    0,    0,    0,    0,    0};
  if (auto s = transport_->WriteAll(
          std::string_view(reinterpret_cast<const char*>(kHandshake), sizeof kHandshake),
          config_.connect_timeout_ms);
      !s) {
    return Broken(s.error());
  }
  uint8_t reply[4];
  if (auto s = ReadExact(reply, 4); !s) return s;
  if (std::memcmp(reply, "HTTP", 4) == 0) {
    return Broken(
        Fail(ErrorCode::kFailedPrecondition, "The server at " + FormatBoltUri(config_.address) +
                                                 " answered with HTTP: that is not a Bolt port.")
            .error());
  }
  version_ = {reply[3], reply[2]};
  if (version_.major == 0) {
    return Broken(Fail(ErrorCode::kFailedPrecondition,
                       "Neo4j at " + FormatBoltUri(config_.address) +
                           " supports none of the Bolt versions 5.0-5.8 and 4.4.")
                      .error());
  }
  return {};
}

Status BoltConnection::Login() {
  Dict hello{{"user_agent", config_.user_agent}};
  Dict auth;
  if (config_.user.empty()) {
    auth = {{"scheme", "none"}};
  } else {
    auth = {{"scheme", "basic"}, {"principal", config_.user}, {"credentials", config_.password}};
  }
  if (version_.AtLeast(5, 3)) {
    hello.emplace_back(
        "bolt_agent",
        Dict{{"product", config_.user_agent}, {"language", "C++/23"}, {"platform", "Linux"}});
  }
  if (version_.major == 4) hello.emplace_back("patch_bolt", List{"utc"});
  const bool logon = version_.AtLeast(5, 1);
  if (!logon) hello.insert(hello.end(), auth.begin(), auth.end());
  Queue(kHello, {hello});
  if (logon) Queue(kLogon, {auth});
  if (auto s = Flush(); !s) return s;
  auto meta = ExpectSuccess("HELLO");
  if (!meta) return Broken(meta.error());
  server_agent_ = StringField(*meta, "server");
  if (logon) {
    auto m = ExpectSuccess("LOGON");
    if (!m) return Broken(m.error());
  }
  return {};
}

void BoltConnection::Queue(uint8_t tag, const std::vector<Value>& fields) {
  std::string body;
  Encoder e(body);
  e.StructHeader(static_cast<uint8_t>(fields.size()), tag);
  for (const auto& f : fields) e.Write(f);
  for (size_t pos = 0; pos < body.size(); pos += 0xFFFF) {
    size_t n = std::min<size_t>(0xFFFF, body.size() - pos);
    out_.push_back(static_cast<char>(n >> 8));
    out_.push_back(static_cast<char>(n & 0xFF));
    out_.append(body, pos, n);
  }
  out_.append("\0\0", 2);
}

Status BoltConnection::Flush() {
  if (out_.empty()) return {};
  if (broken_) {
    out_.clear();
    return Fail(ErrorCode::kUnavailable, "The connection to Neo4j is broken.");
  }
  auto s = transport_->WriteAll(out_, config_.read_timeout_ms);
  out_.clear();
  if (!s) return Broken(s.error());
  return {};
}

Status BoltConnection::ReadExact(uint8_t* out, size_t n) {
  while (n > 0) {
    if (in_pos_ == in_end_) {
      if (broken_) return Fail(ErrorCode::kUnavailable, "The connection to Neo4j is broken.");
      auto got = transport_->ReadSome(in_, config_.read_timeout_ms);
      if (!got) return Broken(got.error());
      in_pos_ = 0;
      in_end_ = *got;
    }
    size_t take = std::min(n, in_end_ - in_pos_);
    std::memcpy(out, in_.data() + in_pos_, take);
    in_pos_ += take;
    out += take;
    n -= take;
  }
  return {};
}

Result<BoltConnection::Message> BoltConnection::Receive() {
  message_.clear();
  while (true) {
    uint8_t header[2];
    if (auto s = ReadExact(header, 2); !s) return std::unexpected(s.error());
    size_t size = (size_t{header[0]} << 8) | header[1];
    if (size == 0) {
      if (message_.empty()) continue;  // NOOP keep-alive
      break;
    }
    size_t old = message_.size();
    message_.resize(old + size);
    if (auto s = ReadExact(message_.data() + old, size); !s) return std::unexpected(s.error());
  }
  Decoder d(message_);
  auto header = d.ReadStructHeader();
  if (!header) return std::unexpected(Broken(header.error()).error());
  Message m;
  m.tag = header->second;
  m.fields.reserve(header->first);
  for (int i = 0; i < header->first; ++i) {
    auto v = d.Read();
    if (!v) return std::unexpected(Broken(v.error()).error());
    m.fields.push_back(std::move(*v));
  }
  return m;
}

Error BoltConnection::FailureToError(const Dict& meta) {
  std::string code = StringField(meta, "code");
  if (code.empty()) code = StringField(meta, "neo4j_code");
  std::string message = StringField(meta, "message");
  if (message.empty()) message = StringField(meta, "description");
  return Neo4jError(code, message, config_.user);
}

Result<Dict> BoltConnection::ExpectSuccess(std::string_view what) {
  while (true) {
    auto m = Receive();
    if (!m) return std::unexpected(m.error());
    Dict meta;
    if (!m->fields.empty()) {
      if (auto* d = m->fields[0].Get<Dict>()) meta = *d;
    }
    switch (m->tag) {
      case kSuccess:
        return meta;
      case kFailure:
        failed_ = true;
        return std::unexpected(FailureToError(meta));
      case kIgnored:
        continue;  // answer to a message pipelined after an earlier failure
      default:
        return std::unexpected(
            Broken(Fail(ErrorCode::kUnavailable, "Neo4j sent an unexpected message (tag " +
                                                     std::to_string(m->tag) + ") in answer to " +
                                                     std::string(what) + ".")
                       .error())
                .error());
    }
  }
}

Status BoltConnection::Reset() {
  if (broken_) return Fail(ErrorCode::kUnavailable, "The connection to Neo4j is broken.");
  Queue(kReset, {});
  if (auto s = Flush(); !s) return s;
  failed_ = false;
  in_tx_ = false;
  auto meta = ExpectSuccess("RESET");
  if (!meta) return Broken(meta.error());
  return {};
}

Result<QuerySummary> BoltConnection::Run(std::string_view query, const Dict& params,
                                         const RecordFn& fn, const RunOptions& options) {
  if (broken_) return Fail(ErrorCode::kUnavailable, "The connection to Neo4j is broken.");
  // On any FAILURE: RESET so the connection is ready again, then report the failure.
  auto fail = [&](Error e) -> Result<QuerySummary> {
    if (failed_ && !broken_) (void)Reset();
    return std::unexpected(std::move(e));
  };
  Dict extra;
  if (!in_tx_) {
    if (!options.database.empty()) extra.emplace_back("db", options.database);
    if (options.read_only) extra.emplace_back("mode", "r");
  }
  const int64_t n = options.fetch_size <= 0 ? -1 : options.fetch_size;
  Queue(kRun, {std::string(query), params, extra});
  Queue(kPull, {Dict{{"n", n}}});
  if (auto s = Flush(); !s) return std::unexpected(s.error());
  auto run_meta = ExpectSuccess("RUN");
  if (!run_meta) return fail(run_meta.error());
  QuerySummary summary;
  if (const Value* f = Field(*run_meta, "fields")) {
    if (auto* list = f->Get<List>()) {
      for (const auto& name : *list) {
        if (auto* s = name.Get<std::string>()) summary.fields.push_back(*s);
      }
    }
  }
  while (true) {
    auto m = Receive();
    if (!m) return std::unexpected(m.error());
    if (m->tag == kRecord) {
      if (summary.stopped || !fn) continue;
      const List* values = m->fields.empty() ? nullptr : m->fields[0].Get<List>();
      if (values == nullptr) {
        return std::unexpected(
            Broken(Fail(ErrorCode::kUnavailable, "Neo4j sent a malformed RECORD.").error())
                .error());
      }
      ++summary.records;
      if (!fn(*values)) summary.stopped = true;
      continue;
    }
    Dict meta;
    if (!m->fields.empty()) {
      if (auto* d = m->fields[0].Get<Dict>()) meta = *d;
    }
    if (m->tag == kFailure) {
      failed_ = true;
      return fail(FailureToError(meta));
    }
    if (m->tag != kSuccess) {
      return std::unexpected(
          Broken(Fail(ErrorCode::kUnavailable, "Neo4j sent an unexpected message while streaming.")
                     .error())
              .error());
    }
    const Value* more = Field(meta, "has_more");
    const bool has_more = more != nullptr && more->Is<bool>() && *more->Get<bool>();
    if (!has_more) {
      summary.metadata = std::move(meta);
      return summary;
    }
    Queue(summary.stopped ? kDiscard : kPull, {Dict{{"n", summary.stopped ? int64_t{-1} : n}}});
    if (auto s = Flush(); !s) return std::unexpected(s.error());
  }
}

Status BoltConnection::Begin(const RunOptions& options) {
  if (broken_) return Fail(ErrorCode::kUnavailable, "The connection to Neo4j is broken.");
  Dict extra;
  if (!options.database.empty()) extra.emplace_back("db", options.database);
  if (options.read_only) extra.emplace_back("mode", "r");
  Queue(kBegin, {extra});
  if (auto s = Flush(); !s) return s;
  auto meta = ExpectSuccess("BEGIN");
  if (!meta) {
    if (failed_ && !broken_) (void)Reset();
    return std::unexpected(meta.error());
  }
  in_tx_ = true;
  return {};
}

Status BoltConnection::Commit() {
  if (broken_) return Fail(ErrorCode::kUnavailable, "The connection to Neo4j is broken.");
  Queue(kCommit, {});
  if (auto s = Flush(); !s) return s;
  auto meta = ExpectSuccess("COMMIT");
  in_tx_ = false;
  if (!meta) {
    if (failed_ && !broken_) (void)Reset();
    return std::unexpected(meta.error());
  }
  return {};
}

Status BoltConnection::Rollback() {
  if (broken_) return Fail(ErrorCode::kUnavailable, "The connection to Neo4j is broken.");
  Queue(kRollback, {});
  if (auto s = Flush(); !s) return s;
  auto meta = ExpectSuccess("ROLLBACK");
  in_tx_ = false;
  if (!meta) {
    if (failed_ && !broken_) (void)Reset();
    return std::unexpected(meta.error());
  }
  return {};
}

void BoltConnection::Goodbye() {
  if (!broken_ && transport_ && transport_->is_open()) {
    Queue(kGoodbye, {});
    (void)transport_->WriteAll(out_, 1000);
    out_.clear();
  }
  broken_ = true;
  if (transport_) transport_->Close();
}

}  // namespace retrain::bolt
