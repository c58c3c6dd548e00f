#pragma once
// HTTP clients for black-box tests: HttpClient (libcurl; one connection and one cookie jar per
// object, like one browser) and RawConnection (a plain socket, for requests no well-behaved
// client would send).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  long status = 0;     // 0 when no response arrived (see error)
  HeaderList headers;  // of the final response, in the order received
  std::string body;    // as sent: not decompressed
  std::string error;   // transport error (empty when a response arrived)

  // The first header of that name (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  bool has_header(std::string_view name) const { return header(name).has_value(); }
};

// One part of a multipart/form-data body: a plain field, or a file when filename is set.
struct MultipartPart {
  std::string name;
  std::string value;
  std::optional<std::string> filename;
  std::string content_type = "application/octet-stream";
};

class HttpClient {
 public:
  // base_url like "http://127.0.0.1:8080" (no trailing slash).
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse get(std::string_view target, const HeaderList& headers = {});
  HttpResponse head(std::string_view target, const HeaderList& headers = {});
  // application/x-www-form-urlencoded; values are encoded here.
  HttpResponse post_form(std::string_view target, const HeaderList& fields,
                         const HeaderList& headers = {});
  HttpResponse post_multipart(std::string_view target, const std::vector<MultipartPart>& parts,
                              const HeaderList& headers = {});
  // Any method with a raw body (Content-Type goes in headers).
  HttpResponse request(std::string_view method, std::string_view target, std::string_view body,
                       const HeaderList& headers = {});

  // A cookie held in this client's jar (set by the server), if any.
  std::optional<std::string> cookie(std::string_view name) const;
  // Redirects are not followed unless asked: tests usually assert the 303 itself.
  void follow_redirects(bool follow) { follow_redirects_ = follow; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  // How many new connections the last request opened (0 when a kept-alive one was reused).
  long last_new_connections() const { return last_new_connections_; }
  const std::string& base_url() const { return base_url_; }

 private:
  struct Body;
  HttpResponse perform(std::string_view method, std::string_view target, const Body& body,
                       const HeaderList& headers);

  std::string base_url_;
  void* curl_ = nullptr;  // CURL*, kept for the connection and the cookie jar
  bool follow_redirects_ = false;
  std::chrono::milliseconds timeout_{10'000};
  long last_new_connections_ = 0;
};

// URL-encodes a form value (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view in);
// Decompresses a gzip body; nullopt if it is not valid gzip.
std::optional<std::string> gunzip(std::string_view in);

// A parsed HTTP/1.x response read from a raw socket.
struct RawResponse {
  int status = 0;
  std::string status_line;
  HeaderList headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const;
};

// A TCP connection to 127.0.0.1:port. Every call is bounded by a timeout; failures are reported
// as values (empty optionals / false), never by throwing, so a test can assert on them.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all bytes; false if the peer closed or reset the connection.
  bool send(std::string_view bytes);
  // Reads exactly one response (status line, headers, Content-Length or chunked body, or up to
  // close when neither is given). nullopt on timeout or when the connection closed first.
  std::optional<RawResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));
  // Reads until the peer closes; returns what arrived, or nullopt on timeout.
  std::optional<std::string> read_until_close(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));
  // True if the peer closed (or reset) the connection within the timeout.
  bool wait_closed(std::chrono::milliseconds timeout);
  // Closes now; with reset, as an RST (SO_LINGER 0) like a client that vanished.
  void close(bool reset = false);

 private:
  // Reads more bytes into buffer_; 0 on orderly close, -1 on error or timeout.
  long fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace portico::test
