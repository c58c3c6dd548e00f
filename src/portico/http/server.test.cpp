#include "portico/http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace portico::http {
namespace {

// A server on 127.0.0.1:<free port> whose handler blocks on /slow until released.
class BlockingServer {
 public:
  explicit BlockingServer(int threads) {
    ServerOptions options;
    options.port = 0;
    options.threads = threads;
    options.shutdown_grace = std::chrono::milliseconds(2'000);
    server_ = std::make_unique<Server>(
        options,
        [this](Request& request) {
          if (request.path == "/slow") {
            slow_entered_.set_value();
            release_.get_future().wait();
          }
          Response response;
          response.status = 200;
          response.headers.set("Content-Type", "text/plain");
          response.body = "served " + request.path;
          return response;
        },
        [](int status, const Request*) {
          Response response;
          response.status = status;
          return response;
        });
    EXPECT_TRUE(server_->listen().has_value());
    port_ = server_->port();
    runner_ = std::thread([this] { server_->run(); });
  }
  ~BlockingServer() {
    release();
    server_->stop();
    runner_.join();
  }

  std::uint16_t port() const { return port_; }
  std::future<void> slow_entered() { return slow_entered_.get_future(); }
  void release() {
    if (!released_.exchange(true)) release_.set_value();
  }

 private:
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread runner_;
  std::promise<void> slow_entered_;
  std::promise<void> release_;
  std::atomic<bool> released_{false};
};

std::string get(const std::string& path, bool close = true) {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + (close ? "Connection: close\r\n" : "") +
         "\r\n";
}

// Sends requests on one connection and returns what arrives until the server closes it, or an
// empty string when nothing more arrives for 10 s.
class Exchange {
 public:
  Exchange(std::uint16_t port, const std::string& requests) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    if (connected_) connected_ = ::send(fd_, requests.data(), requests.size(), 0) > 0;
  }
  ~Exchange() { ::close(fd_); }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  std::string response() {
    std::string out;
    char buffer[4096];
    while (connected_) {
      auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0) return {};  // timed out
      if (n == 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(ServerTest, AHandlerThatBlocksHoldsItsThreadOnlyAndOtherConnectionsAreServed) {
  BlockingServer server(2);
  Exchange slow(server.port(), get("/slow"));
  ASSERT_EQ(server.slow_entered().wait_for(std::chrono::seconds(10)), std::future_status::ready);

  Exchange fast(server.port(), get("/fast"));
  std::string fast_response = fast.response();
  EXPECT_TRUE(fast_response.starts_with("HTTP/1.1 200")) << fast_response;
  EXPECT_TRUE(fast_response.ends_with("served /fast")) << fast_response;

  server.release();
  std::string slow_response = slow.response();
  EXPECT_TRUE(slow_response.starts_with("HTTP/1.1 200")) << slow_response;
  EXPECT_TRUE(slow_response.ends_with("served /slow")) << slow_response;
}

TEST(ServerTest, KeepAliveRequestsOnOneConnectionAreAnsweredInOrder) {
  BlockingServer server(2);
  // Three requests in one write (pipelined); the last one closes.
  Exchange exchange(server.port(), get("/a", false) + get("/b", false) + get("/c"));
  std::string out = exchange.response();
  auto a = out.find("served /a");
  auto b = out.find("served /b");
  auto c = out.find("served /c");
  ASSERT_NE(a, std::string::npos) << out;
  ASSERT_NE(b, std::string::npos) << out;
  ASSERT_NE(c, std::string::npos) << out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

}  // namespace
}  // namespace portico::http
