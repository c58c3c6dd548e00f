#pragma once
// The HTTP/1.1 server: Boost.Beast with C++20 coroutines. A few threads (one per core) share one
// event loop; each connection is a coroutine on its own strand, and its handler runs inline on
// whichever thread read the request. A handler may block (database, password hashing): it holds
// its thread only, while the other threads go on serving every other connection.
//
// Limits enforced here, before any handler runs: header size (431), request-target length (414),
// body size (413), a deadline for the whole header once its first byte arrived (slow clients are
// dropped), a body deadline, a keep-alive idle timeout and a cap on open connections (503).
// SIGINT/SIGTERM stop accepting, let in-flight requests finish (bounded), then return from run().

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "portico/core/result.hpp"
#include "portico/http/message.hpp"

namespace portico::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (see Server::port())
  // Threads serving connections, handlers included. Requests beyond them wait in the kernel's
  // socket buffers, not in a queue of ours.
  int threads = 2;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_target_bytes = 8 * 1024;
  std::size_t max_body_bytes = 26 * 1024 * 1024;  // 25 MiB of attachments plus form overhead
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{120'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  int max_connections = 10'000;
};

class Server {
 public:
  // Produces the response for a request; runs on one of the server's threads, several at once,
  // and must not throw (the caller wraps it so that exceptions become a 500 page).
  using Handler = std::function<Response(Request&)>;
  // Produces an error page for failures detected before a handler runs (limits, bad requests).
  // `request` is null when not even the header could be read. Must be cheap and not block.
  using ErrorPage = std::function<Response(int status, const Request* request)>;

  Server(ServerOptions options, Handler handler, ErrorPage error_page);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket. After this, port() is the real port.
  [[nodiscard]] Result<void> listen();
  std::uint16_t port() const;

  // Serves until stop() or SIGINT/SIGTERM. Blocks the calling thread.
  void run();
  // Starts a graceful stop; safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace portico::http
