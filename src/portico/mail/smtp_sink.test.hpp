#pragma once
// Test support (header-only, used by *.test.cpp only): a scratch directory, the source tree, a
// free-port reservation and a real SMTP server (scripts/smtp-sink.py run by /usr/bin/python3)
// that stores every message it accepts as a file in a Maildir.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace portico::mail::test {

namespace fs = std::filesystem;

inline constexpr const char* kSystemPython = "/usr/bin/python3";  // has python3-aiosmtpd

// The source tree: $PORTICO_SOURCE_DIR, else the nearest directory at or above the current one
// that holds data/migrations.
inline fs::path source_dir() {
  if (const char* env = std::getenv("PORTICO_SOURCE_DIR"); env && *env) return fs::path(env);
  for (fs::path dir = fs::current_path();; dir = dir.parent_path()) {
    if (fs::is_directory(dir / "data" / "migrations")) return dir;
    if (dir == dir.root_path()) break;
  }
  throw std::runtime_error("cannot find the source tree: set PORTICO_SOURCE_DIR");
}

// A fresh directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "portico-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A 127.0.0.1 port that is bound but not listening while this object lives: connecting to it
// is refused at once. release() frees it so a server can take it.
class ReservedPort {
 public:
  ReservedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot reserve a port");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~ReservedPort() { release(); }
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;

  int port() const { return port_; }
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// scripts/smtp-sink.py as a child process.
class SmtpSink {
 public:
  static bool available() { return ::access(kSystemPython, X_OK) == 0; }

  // Starts the sink on port (0: any free one) and waits until it accepts connections.
  // Throws std::runtime_error if it does not come up within 10 s.
  SmtpSink(fs::path maildir, int port = 0) : maildir_(std::move(maildir)) {
    fs::path script = source_dir() / "scripts" / "smtp-sink.py";
    fs::path port_file = maildir_.parent_path() / (maildir_.filename().string() + ".port");
    fs::remove(port_file);
    std::vector<std::string> args = {kSystemPython,        script.string(),   "--port",
                                     std::to_string(port), "--maildir",       maildir_.string(),
                                     "--port-file",        port_file.string()};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kSystemPython, nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start smtp-sink.py");
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!fs::exists(port_file)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("smtp-sink.py exited at start-up");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error("smtp-sink.py did not start within 10 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    port_ = std::stoi(read_file(port_file));
  }
  ~SmtpSink() { stop(); }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  // Plain SMTP, no STARTTLS (the sink has no certificate).
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_) + "?tls=none"; }
  const fs::path& maildir() const { return maildir_; }

  // SIGTERM, then waits for the exit (SIGKILL after 5 s). Idempotent.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }

  // The delivered messages (Maildir new/), oldest first.
  std::vector<std::string> messages() const {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(maildir_ / "new", ec)) {
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& file : files) out.push_back(read_file(file));
    return out;
  }

  // Deletes the delivered messages (between tests sharing one sink).
  void clear() const {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(maildir_ / "new", ec)) {
      fs::remove(entry.path(), ec);
    }
  }

 private:
  fs::path maildir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// The value of the first header `name` (any case) in a stored message, "" if absent. Folded
// headers are returned up to their first line break.
inline std::string header_value(const std::string& message, std::string_view name) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    auto eol = message.find("\r\n", pos);
    if (eol == std::string::npos || eol == pos) break;  // end of the headers
    std::string_view line(message.data() + pos, eol - pos);
    auto colon = line.find(':');
    if (colon == name.size() &&
        std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return std::string(value);
    }
    pos = eol + 2;
  }
  return {};
}

}  // namespace portico::mail::test
