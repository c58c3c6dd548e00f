// The only translation unit that includes Boost.Beast/Asio (they cost ~25 s to compile each).
#include <utility>  // Boost 1.74's asio/awaitable.hpp uses std::exchange without including it

#include "portico/http/server.hpp"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <limits>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "portico/http/compress.hpp"

namespace portico::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// Lets the server hold thousands of idle keep-alive connections.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Request to_request(BeastRequest& in, const std::string& remote) {
  Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  std::string_view target = out.target;
  auto question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  // An undecodable path cannot match any route; keep it raw so the router answers 404.
  out.path = percent_decode(raw_path, false).value_or(std::string(raw_path));
  for (const auto& field : in) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(in.body());
  out.remote_address = remote;
  out.keep_alive = in.keep_alive();
  return out;
}

bool compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
         content_type.starts_with("application/javascript") ||
         content_type.starts_with("image/svg+xml");
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  ErrorPage error_page;
  asio::io_context io{options.threads};
  // The acceptor, the signals and the stop run here: every thread runs `io`, and these objects
  // must not be touched by two at once.
  asio::strand<asio::io_context::executor_type> control{io.get_executor()};
  tcp::acceptor acceptor{control};
  asio::signal_set signals{control, SIGINT, SIGTERM};
  std::atomic<int> connections{0};
  std::atomic<int> pending{0};
  std::atomic<bool> stopping{false};
  std::shared_ptr<spdlog::logger> access_log;

  Impl(ServerOptions o, Handler h, ErrorPage e)
      : options(std::move(o)), handler(std::move(h)), error_page(std::move(e)) {
    access_log = spdlog::get("access");
    if (!access_log) access_log = spdlog::default_logger();
  }

  void log_access(const Request* req, std::string_view method, std::string_view path, int status,
                  std::size_t bytes, std::chrono::steady_clock::time_point start) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    access_log->info(R"("method":"{}","path":"{}","status":{},"bytes":{},"ms":{:.2f},"ip":"{}"}})",
                     method, escape_json(path), status, bytes, ms,
                     req ? req->remote_address : std::string());
  }

  static std::string escape_json(std::string_view in) {
    std::string out;
    for (char c : in) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        out += ' ';
      } else {
        out += c;
      }
    }
    return out;
  }

  BeastResponse to_beast(Response&& r, unsigned version, bool keep_alive, bool head) {
    BeastResponse out{static_cast<bhttp::status>(r.status), version};
    for (auto& [name, value] : r.headers.items()) out.insert(name, value);
    out.set(bhttp::field::server, "Portico");
    std::size_t size = r.body.size();
    out.body() = std::move(r.body);
    out.keep_alive(keep_alive);
    out.content_length(size);
    if (head) out.body().clear();
    return out;
  }

  void maybe_compress(const Request& req, Response& res) {
    if (res.body.size() < 1024 || res.headers.has("Content-Encoding")) return;
    auto type = res.headers.get("Content-Type").value_or("");
    if (!compressible(type)) return;
    if (req.header("Accept-Encoding").find("gzip") == std::string_view::npos) return;
    if (auto gz = gzip(res.body)) {
      res.body = std::move(*gz);
      res.headers.set("Content-Encoding", "gzip");
      res.headers.set("Vary", "Accept-Encoding");
    }
  }

  // Writes an error page produced before (or instead of) a handler and ends the exchange.
  asio::awaitable<void> write_error(beast::tcp_stream& stream, int status, const Request* req,
                                    unsigned version, bool keep_alive,
                                    std::chrono::steady_clock::time_point start) {
    Response res = error_page(status, req);
    std::size_t bytes = res.body.size();
    auto out = to_beast(std::move(res), version, keep_alive, req && req->method == "HEAD");
    stream.expires_after(options.write_timeout);
    beast::error_code ec;
    co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
    log_access(req, req ? std::string_view(req->method) : "-",
               req ? std::string_view(req->path) : "-", status, bytes, start);
  }

// GCC 12 reports Asio's own coroutine frame allocator (its operator new and sized operator
// delete, which recycle frames per thread) as mismatched once this coroutine is inlined enough.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
  asio::awaitable<void> session(tcp::socket socket) {
    struct Count {
      std::atomic<int>& n;
      ~Count() { --n; }
    } count{connections};
    beast::tcp_stream stream(std::move(socket));
    beast::error_code ec;
    std::string remote;
    if (auto endpoint = stream.socket().remote_endpoint(ec); !ec) {
      remote = endpoint.address().to_string();
    }
    beast::flat_buffer buffer;
    auto start = std::chrono::steady_clock::now();

    if (++connections > options.max_connections) {
      co_await write_error(stream, 503, nullptr, 11, false, start);
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }

    for (;;) {
      // Idle keep-alive: wait (long) for the first byte of the next request.
      if (buffer.size() == 0) {
        stream.expires_after(options.idle_timeout);
        std::size_t n = co_await stream.async_read_some(
            buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        buffer.commit(n);
      }
      start = std::chrono::steady_clock::now();

      // The whole header must arrive within header_timeout (slow-header clients are dropped).
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      // No body limit while reading the header: Beast would reject a large Content-Length as a
      // header error (400). The 413 check below runs on the header; the limit is set after it.
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      stream.expires_after(options.header_timeout);
      co_await bhttp::async_read_header(stream, buffer, parser,
                                        asio::redirect_error(asio::use_awaitable, ec));
      if (ec == bhttp::error::header_limit) {
        co_await write_error(stream, 431, nullptr, 11, false, start);
        break;
      }
      if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream ||
          ec == asio::error::eof || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted) {
        break;
      }
      if (ec) {
        co_await write_error(stream, 400, nullptr, 11, false, start);
        break;
      }

      auto& header = parser.get();
      unsigned version = header.version();
      if (header.target().size() > options.max_target_bytes) {
        co_await write_error(stream, 414, nullptr, version, false, start);
        break;
      }
      if (auto length = parser.content_length(); length && *length > options.max_body_bytes) {
        Request partial;
        partial.method = std::string(header.method_string());
        partial.path = std::string(header.target().substr(0, header.target().find('?')));
        partial.remote_address = remote;
        co_await write_error(stream, 413, &partial, version, false, start);
        break;
      }
      parser.body_limit(options.max_body_bytes);
      if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
        BeastResponse cont{bhttp::status::continue_, version};
        stream.expires_after(options.write_timeout);
        co_await bhttp::async_write(stream, cont, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }

      stream.expires_after(options.body_timeout);
      co_await bhttp::async_read(stream, buffer, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec == bhttp::error::body_limit) {
        co_await write_error(stream, 413, nullptr, version, false, start);
        break;
      }
      if (ec) break;  // timeout, truncated body or disconnect: nothing to answer

      Request req = to_request(parser.get(), remote);
      bool keep_alive = req.keep_alive && !stopping;
      bool head = req.method == "HEAD";

      // The handler runs here, on this thread, inside the connection's strand: no hand-off to
      // another thread and back. While it blocks (database, password hashing), the other
      // threads serve every other connection, timer and the acceptor.
      Response res;
      ++pending;
      try {
        res = handler(req);
      } catch (const std::exception& e) {
        spdlog::error("handler escaped with an exception: {}", e.what());
        res = error_page(500, &req);
      }
      --pending;
      if (stopping) keep_alive = false;
      maybe_compress(req, res);
      int status = res.status;
      std::size_t bytes = res.body.size();
      auto out = to_beast(std::move(res), version, keep_alive, head);
      stream.expires_after(options.write_timeout);
      co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
      log_access(&req, req.method, req.path, status, bytes, start);
      if (ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
  }
#pragma GCC diagnostic pop

  asio::awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      // Each connection gets its own strand: its reads, writes, deadline and handler never run
      // on two threads at once, whichever thread picks them up.
      tcp::socket socket = co_await acceptor.async_accept(
          asio::make_strand(io), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) co_return;
        // EMFILE and friends: back off briefly instead of spinning.
        asio::steady_timer pause(control, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto strand = socket.get_executor();
      asio::co_spawn(strand, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> drain_then_stop() {
    auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
    asio::steady_timer timer(control);
    while (pending.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      beast::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    // Give the last responses a moment to be written.
    timer.expires_after(std::chrono::milliseconds(50));
    beast::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    io.stop();
  }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    spdlog::info("shutting down: no new connections, finishing {} in-flight request(s)",
                 pending.load());
    beast::error_code ec;
    acceptor.close(ec);
    asio::co_spawn(control, drain_then_stop(), asio::detached);
  }
};

Server::Server(ServerOptions options, Handler handler, ErrorPage error_page)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(error_page))) {
}

Server::~Server() = default;

Result<void> Server::listen() {
  raise_open_file_limit();
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument,
                "listen address '" + impl_->options.host + "' is not an IP address");
  }
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(4096, ec);
  if (ec) {
    return fail(ErrorCode::kUnavailable, "cannot listen on " + impl_->options.host + ":" +
                                             std::to_string(impl_->options.port) + ": " +
                                             ec.message());
  }
  return {};
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void Server::run() {
  auto& impl = *impl_;
  impl.signals.async_wait([&impl](const beast::error_code& ec, int) {
    if (!ec) impl.begin_stop();
  });
  asio::co_spawn(impl.control, impl.accept_loop(), asio::detached);
  std::vector<std::thread> extra;
  for (int i = 1; i < impl.options.threads; ++i) extra.emplace_back([&impl] { impl.io.run(); });
  impl.io.run();
  for (auto& t : extra) t.join();
}

void Server::stop() {
  asio::post(impl_->control, [this] { impl_->begin_stop(); });
}

}  // namespace portico::http
