#pragma once
// Runs the real `portico` binary for black-box tests, on port 0, against a fresh database.
//
// Environment:
//   PORTICO_BINARY          the binary (default: build/sanitize/portico in the source folder)
//   PORTICO_SOURCE_DIR      the source folder (default: found by walking up from the working
//                           directory to the first folder holding data/migrations)
//   PORTICO_TEST_DATABASE   `sqlite` (default: a temporary file) or a PostgreSQL admin URL such as
//                           postgresql://postgres@127.0.0.1:55432/postgres, in which case every
//                           server gets a new database portico_t_<random>, dropped afterwards.
//
// Typical use, one server per test suite:
//
//   class FoundationTest : public portico::test::ServerSuite<FoundationTest> {
//    public:
//     static portico::test::ServerOptions options() { return {.load_demo = true}; }
//   };
//   TEST_F(FoundationTest, Healthz) { EXPECT_EQ(client().get("/healthz").status, 200); }

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portico/storage/db.hpp"
#include "support/http_client.hpp"

namespace portico::test {

std::filesystem::path source_dir();
std::filesystem::path binary_path();
// "sqlite" or "postgresql", from PORTICO_TEST_DATABASE.
std::string backend_name();

// A fresh, empty database of the configured backend; removed on destruction.
class TestDatabase {
 public:
  // Throws std::runtime_error with a readable message when the backend cannot be reached.
  static std::unique_ptr<TestDatabase> create();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }

  // This database through the product's storage layer, with a pool of one connection: every
  // call gets the same connection, so a session setting or a prepared statement carries over.
  // Throws std::runtime_error when it cannot be opened.
  std::unique_ptr<storage::Database> open_one_connection() const;

 private:
  TestDatabase() = default;
  std::string url_;
  std::string admin_url_;      // PostgreSQL only
  std::string name_;           // PostgreSQL only
  std::filesystem::path dir_;  // SQLite only: the temporary folder holding the file
};

// The result of running a command to completion.
struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string out;     // stdout
  std::string err;     // stderr
  bool timed_out = false;
};

// Runs the binary with args, waits at most `timeout`.
CommandResult run_binary(const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// True if the text holds an AddressSanitizer, LeakSanitizer or UBSan report.
bool has_sanitizer_report(const std::string& text);

struct ServerOptions {
  bool load_demo = false;               // run `portico demo` on the database first
  std::vector<std::string> extra_args;  // appended to `portico serve …`
};

// How a server process ended.
struct ServerExit {
  bool exited = false;                     // exited by itself (false: killed by a signal)
  int code = -1;                           // exit code when exited, else the signal number
  bool needed_kill = false;                // SIGTERM was not enough within the grace period
  std::chrono::milliseconds stop_time{0};  // from SIGTERM to exit
  std::string stderr_text;
};

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();  // kills the process if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `portico serve` on 127.0.0.1:0 against database_url and waits (up to 15 s) for the
  // port file. Throws std::runtime_error, with the server's stderr, if it does not come up.
  void start(const std::string& database_url, const ServerOptions& options);
  // SIGTERM, then SIGKILL after `grace`; returns how it ended (also when already exited).
  ServerExit stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // True while the process runs (reaps it if it has exited).
  bool running();
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path dir_;  // port file, stdout and stderr of the server
  std::optional<int> wait_status_;
};

// Checks a stopped server ended well: exit code 0, no sanitizer report. Adds a GoogleTest
// failure (naming the backend) otherwise.
void expect_clean_exit(const ServerExit& exit, const std::string& what);

// A test suite with one server for all its tests. Derived classes may define
// `static ServerOptions options()`. Each test also checks that the server is still running
// afterwards, so a crash is blamed on the test that caused it.
template <typename Derived>
class ServerSuite : public ::testing::Test {
 public:
  static ServerOptions options() { return {}; }

  static void SetUpTestSuite() {
    try {
      database_ = TestDatabase::create();
      server_ = std::make_unique<ServerProcess>();
      server_->start(database_->url(), Derived::options());
    } catch (const std::exception& e) {
      server_.reset();
      database_.reset();
      FAIL() << "[backend: " << backend_name() << "] " << e.what();
    }
  }

  static void TearDownTestSuite() {
    if (server_) {
      auto exit = server_->stop();
      expect_clean_exit(exit, ::testing::UnitTest::GetInstance()->current_test_suite()->name());
    }
    server_.reset();
    database_.reset();
  }

 protected:
  void SetUp() override {
    ASSERT_TRUE(server_) << "the server did not start";
    ::testing::Test::RecordProperty("backend", backend_name());
  }

  void TearDown() override {
    if (server_ && !server_->running()) {
      ADD_FAILURE() << "[backend: " << backend_name()
                    << "] the server is no longer running after this test; its stderr:\n"
                    << server_->stderr_text();
    }
  }

  static ServerProcess& server() { return *server_; }
  static std::uint16_t port() { return server_->port(); }
  static std::string base_url() { return server_->base_url(); }
  // A new client (own connection, own cookies) per call.
  static HttpClient new_client() { return HttpClient(server_->base_url()); }
  // One client per test, created on first use.
  HttpClient& client() {
    if (!client_) client_ = std::make_unique<HttpClient>(server_->base_url());
    return *client_;
  }

 private:
  static inline std::unique_ptr<TestDatabase> database_;
  static inline std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

// Starts a server outside a suite (e.g. for a test that stops it itself).
struct OwnedServer {
  std::unique_ptr<TestDatabase> database;
  std::unique_ptr<ServerProcess> server;
};
OwnedServer start_server(const ServerOptions& options);

}  // namespace portico::test
