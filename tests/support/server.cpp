#include "support/server.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace portico::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

std::string random_hex(std::size_t length) {
  static std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out += kHex[engine() % 16];
  return out;
}

fs::path make_temp_dir(const std::string& prefix) {
  fs::path base = env("TMPDIR").value_or("/tmp");
  std::string pattern = (base / (prefix + "XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data())) {
    throw std::runtime_error("cannot create a temporary folder under " + base.string());
  }
  return fs::path(buffer.data());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The database part of a postgresql:// URL replaced (query parameters kept).
std::string with_database(const std::string& url, const std::string& name) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  auto query = url.find('?');
  std::string prefix = url.substr(0, std::min(slash, query));
  std::string suffix = query == std::string::npos ? "" : url.substr(query);
  return prefix + "/" + name + suffix;
}

// Runs one SQL statement on a fresh connection; throws with libpq's message on failure.
void pg_execute(const std::string& url, const std::string& sql) {
  std::string conninfo =
      url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=10";
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to " + url + ": " + message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = ok ? "" : PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
  if (!ok) throw std::runtime_error(sql + " failed: " + message);
}

// Starts the binary with stdout/stderr going to files; the child dies with the test process.
pid_t spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  std::vector<std::string> argv_strings;
  argv_strings.push_back(binary_path().string());
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::string out_path = out.string();
  std::string err_path = err.string();
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int in_fd = ::open("/dev/null", O_RDONLY);
    int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(127);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for pid up to timeout; the wait status, or nullopt if it still runs.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

fs::path source_dir() {
  if (auto configured = env("PORTICO_SOURCE_DIR")) return fs::absolute(*configured);
  std::error_code ec;
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / "data" / "migrations", ec)) return dir;
    if (dir == dir.parent_path()) break;
  }
  throw std::runtime_error(
      "cannot find the source folder (no data/migrations above the working directory); set "
      "PORTICO_SOURCE_DIR");
}

fs::path binary_path() {
  static const fs::path path = [] {
    if (auto configured = env("PORTICO_BINARY")) return fs::absolute(*configured);
    return source_dir() / "build" / "sanitize" / "portico";
  }();
  return path;
}

std::string backend_name() {
  auto configured = env("PORTICO_TEST_DATABASE").value_or("sqlite");
  if (configured == "sqlite") return "sqlite";
  if (configured.starts_with("postgresql://") || configured.starts_with("postgres://")) {
    return "postgresql";
  }
  throw std::runtime_error("PORTICO_TEST_DATABASE must be `sqlite` or a postgresql:// URL, not '" +
                           configured + "'");
}

std::unique_ptr<TestDatabase> TestDatabase::create() {
  std::unique_ptr<TestDatabase> db(new TestDatabase());
  if (backend_name() == "sqlite") {
    db->dir_ = make_temp_dir("portico-db-");
    db->url_ = "sqlite:" + (db->dir_ / "portico.db").string();
  } else {
    db->admin_url_ = *env("PORTICO_TEST_DATABASE");
    db->name_ = "portico_t_" + random_hex(12);
    pg_execute(db->admin_url_, "CREATE DATABASE " + db->name_);
    db->url_ = with_database(db->admin_url_, db->name_);
  }
  return db;
}

std::unique_ptr<storage::Database> TestDatabase::open_one_connection() const {
  storage::DatabaseOptions options;
  options.url = url_;
  options.pool_size = 1;
  auto db = storage::open_database(options);
  if (!db) throw std::runtime_error("cannot open the test database: " + db.error().message);
  return std::move(*db);
}

TestDatabase::~TestDatabase() {
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  if (!name_.empty()) {
    try {
      pg_execute(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::cerr << "warning: " << e.what() << "\n";
    }
  }
}

CommandResult run_binary(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  fs::path dir = make_temp_dir("portico-run-");
  CommandResult result;
  pid_t pid = spawn(args, dir / "stdout", dir / "stderr");
  auto status = wait_for(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    result.timed_out = true;
  } else if (WIFEXITED(*status)) {
    result.exit_code = WEXITSTATUS(*status);
  }
  result.out = read_file(dir / "stdout");
  result.err = read_file(dir / "stderr");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return result;
}

bool has_sanitizer_report(const std::string& text) {
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                             "WARNING: AddressSanitizer", "ERROR: UndefinedBehaviorSanitizer"}) {
    if (text.find(marker) != std::string::npos) return true;
  }
  return false;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !wait_status_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void ServerProcess::start(const std::string& database_url, const ServerOptions& options) {
  if (!fs::exists(binary_path())) {
    throw std::runtime_error("no binary at " + binary_path().string() +
                             " (build it, or set PORTICO_BINARY)");
  }
  dir_ = make_temp_dir("portico-server-");
  if (options.load_demo) {
    auto demo = run_binary({"demo", "--database-url", database_url, "--log-level", "warn"});
    if (demo.exit_code != 0 || has_sanitizer_report(demo.err)) {
      throw std::runtime_error("`portico demo` failed (exit " + std::to_string(demo.exit_code) +
                               "):\n" + demo.err);
    }
  }
  fs::path port_file = dir_ / "port";
  std::vector<std::string> args = {"serve",       "--listen",         "127.0.0.1:0",
                                   "--port-file", port_file.string(), "--database-url",
                                   database_url,  "--log-level",      "warn"};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  pid_ = spawn(args, dir_ / "stdout", dir_ / "stderr");

  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = read_file(port_file);
    if (!text.empty() && text.back() == '\n') {
      port_ = static_cast<std::uint16_t>(std::stoi(text));
      if (port_ == 0) throw std::runtime_error("the server wrote port 0");
      return;
    }
    if (!running()) {
      throw std::runtime_error("the server exited before listening; its stderr:\n" + stderr_text());
    }
    std::this_thread::sleep_for(20ms);
  }
  throw std::runtime_error("the server did not write its port file within 15 s; its stderr:\n" +
                           stderr_text());
}

bool ServerProcess::running() {
  if (pid_ <= 0 || wait_status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    wait_status_ = status;
    return false;
  }
  return true;
}

std::string ServerProcess::stderr_text() const { return read_file(dir_ / "stderr"); }

ServerExit ServerProcess::stop(std::chrono::milliseconds grace) {
  ServerExit out;
  auto start = std::chrono::steady_clock::now();
  if (running()) {
    ::kill(pid_, SIGTERM);
    wait_status_ = wait_for(pid_, grace);
    if (!wait_status_) {
      out.needed_kill = true;
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      wait_status_ = status;
    }
  }
  out.stop_time = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (wait_status_) {
    out.exited = WIFEXITED(*wait_status_);
    out.code = out.exited ? WEXITSTATUS(*wait_status_) : WTERMSIG(*wait_status_);
  }
  out.stderr_text = stderr_text();
  return out;
}

void expect_clean_exit(const ServerExit& exit, const std::string& what) {
  std::string backend = "[backend: " + backend_name() + "] ";
  EXPECT_FALSE(exit.needed_kill) << backend << what << ": the server ignored SIGTERM for "
                                 << exit.stop_time.count() << " ms and was killed";
  EXPECT_TRUE(exit.exited && exit.code == 0)
      << backend << what << ": the server "
      << (exit.exited ? "exited with code " : "was killed by signal ") << exit.code
      << "; its stderr:\n"
      << exit.stderr_text;
  EXPECT_FALSE(has_sanitizer_report(exit.stderr_text))
      << backend << what << ": sanitizer report in the server's stderr:\n"
      << exit.stderr_text;
}

OwnedServer start_server(const ServerOptions& options) {
  OwnedServer out;
  out.database = TestDatabase::create();
  out.server = std::make_unique<ServerProcess>();
  out.server->start(out.database->url(), options);
  return out;
}

// Prints the backend once, before any test, so that every log names it.
class BackendEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string backend;
    try {
      backend = backend_name();
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
    std::cout << "[backend: " << backend << "] binary " << binary_path().string() << std::endl;
  }
};

namespace {
[[maybe_unused]] ::testing::Environment* const kBackendEnvironment =
    ::testing::AddGlobalTestEnvironment(new BackendEnvironment);
}  // namespace

}  // namespace portico::test
