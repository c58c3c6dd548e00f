#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace portico::test {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::string> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL* handle(void* p) { return static_cast<CURL*>(p); }

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Called once per header line; a new status line (after 100 Continue or a redirect) starts over.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<HeaderList*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    headers->emplace_back(std::string(trim(line.substr(0, colon))),
                          std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  return find_header(headers, name);
}

std::optional<std::string> RawResponse::header(std::string_view name) const {
  return find_header(headers, name);
}

struct HttpClient::Body {
  enum class Kind { kNone, kRaw, kMultipart } kind = Kind::kNone;
  std::string_view raw;
  const std::vector<MultipartPart>* parts = nullptr;
};

HttpClient::HttpClient(std::string base_url) : base_url_(std::move(base_url)) {
  global_init();
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
  curl_easy_setopt(handle(curl_), CURLOPT_COOKIEFILE, "");  // in-memory cookie jar
}

HttpClient::~HttpClient() { curl_easy_cleanup(handle(curl_)); }

HttpResponse HttpClient::get(std::string_view target, const HeaderList& headers) {
  return perform("GET", target, Body{}, headers);
}

HttpResponse HttpClient::head(std::string_view target, const HeaderList& headers) {
  return perform("HEAD", target, Body{}, headers);
}

HttpResponse HttpClient::post_form(std::string_view target, const HeaderList& fields,
                                   const HeaderList& headers) {
  std::string encoded;
  for (const auto& [name, value] : fields) {
    if (!encoded.empty()) encoded += '&';
    encoded += url_encode(name) + "=" + url_encode(value);
  }
  HeaderList all = headers;
  if (!find_header(all, "Content-Type")) {
    all.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  }
  Body body;
  body.kind = Body::Kind::kRaw;
  body.raw = encoded;
  return perform("POST", target, body, all);
}

HttpResponse HttpClient::post_multipart(std::string_view target,
                                        const std::vector<MultipartPart>& parts,
                                        const HeaderList& headers) {
  Body body;
  body.kind = Body::Kind::kMultipart;
  body.parts = &parts;
  return perform("POST", target, body, headers);
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 std::string_view raw, const HeaderList& headers) {
  Body body;
  body.kind = Body::Kind::kRaw;
  body.raw = raw;
  return perform(method, target, body, headers);
}

HttpResponse HttpClient::perform(std::string_view method, std::string_view target, const Body& body,
                                 const HeaderList& headers) {
  CURL* c = handle(curl_);
  HttpResponse out;
  std::string url = base_url_ + std::string(target);
  std::string method_string(method);

  // Options that differ per request are reset; the connection and the cookie jar stay.
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // Setting CURLOPT_MIMEPOST (even to null) makes the request a POST, so it is cleared first
  // and HTTPGET then resets the method; HTTPGET also clears NOBODY, so NOBODY comes after it.
  curl_easy_setopt(c, CURLOPT_MIMEPOST, nullptr);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_NOBODY, method == "HEAD" ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow_redirects_ ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5'000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out.headers);

  curl_mime* mime = nullptr;
  if (body.kind == Body::Kind::kRaw) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.raw.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.raw.data());
  } else if (body.kind == Body::Kind::kMultipart) {
    mime = curl_mime_init(c);
    for (const auto& part : *body.parts) {
      curl_mimepart* p = curl_mime_addpart(mime);
      curl_mime_name(p, part.name.c_str());
      curl_mime_data(p, part.value.data(), part.value.size());
      if (part.filename) {
        curl_mime_filename(p, part.filename->c_str());
        curl_mime_type(p, part.content_type.c_str());
      }
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  }
  if (method != "GET" && method != "HEAD" &&
      !(method == "POST" && body.kind != Body::Kind::kNone)) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method_string.c_str());
  }

  curl_slist* list = nullptr;
  std::vector<std::string> lines;
  for (const auto& [name, value] : headers) {
    // "Name;" tells curl to send a header with an empty value.
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  for (const auto& line : lines) list = curl_slist_append(list, line.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

  CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    out.error = std::string(curl_easy_strerror(code)) + " (curl code " +
                std::to_string(static_cast<int>(code)) + ")";
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  out.status = code == CURLE_OK ? status : 0;
  long connects = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  last_new_connections_ = connects;

  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, nullptr);
  curl_mime_free(mime);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, nullptr);
  return out;
}

std::optional<std::string> HttpClient::cookie(std::string_view name) const {
  curl_slist* cookies = nullptr;
  curl_easy_getinfo(handle(curl_), CURLINFO_COOKIELIST, &cookies);
  std::optional<std::string> found;
  // Netscape format: domain, subdomains, path, secure, expiry, name, value (tab-separated).
  for (curl_slist* item = cookies; item; item = item->next) {
    std::vector<std::string> fields;
    std::stringstream line(item->data);
    std::string field;
    while (std::getline(line, field, '\t')) fields.push_back(field);
    if (fields.size() >= 7 && fields[5] == name) found = fields[6];
    if (fields.size() == 6 && fields[5] == name) found = "";
  }
  curl_slist_free_all(cookies);
  return found;
}

std::string url_encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> gunzip(std::string_view in) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

RawConnection::RawConnection(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
}

RawConnection::~RawConnection() { close(); }

bool RawConnection::send(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

long RawConnection::fill(std::chrono::steady_clock::time_point deadline) {
  if (fd_ < 0) return -1;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return -1;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return -1;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == ECONNRESET ? 0 : -1;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return n;
  }
}

std::optional<RawResponse> RawConnection::read_response(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (fill(deadline) <= 0) return std::nullopt;
  }
  RawResponse out;
  std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  std::stringstream lines(head);
  std::string line;
  std::getline(lines, line);
  out.status_line = std::string(trim(line));
  if (out.status_line.size() >= 12 && out.status_line.starts_with("HTTP/1.")) {
    out.status = std::atoi(out.status_line.c_str() + 9);
  }
  while (std::getline(lines, line)) {
    if (auto colon = line.find(':'); colon != std::string::npos) {
      out.headers.emplace_back(std::string(trim(std::string_view(line).substr(0, colon))),
                               std::string(trim(std::string_view(line).substr(colon + 1))));
    }
  }
  // 1xx, 204 and 304 have no body.
  if (out.status / 100 == 1 || out.status == 204 || out.status == 304) return out;
  if (auto length = out.header("Content-Length")) {
    std::size_t n = std::stoul(*length);
    while (buffer_.size() < n) {
      if (fill(deadline) <= 0) return std::nullopt;
    }
    out.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
  } else if (auto encoding = out.header("Transfer-Encoding");
             encoding && iequals(*encoding, "chunked")) {
    for (;;) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (fill(deadline) <= 0) return std::nullopt;
      }
      std::size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      while (buffer_.size() < eol + 2 + size + 2) {
        if (fill(deadline) <= 0) return std::nullopt;
      }
      out.body += buffer_.substr(eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else {
    auto rest = read_until_close(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!rest) return std::nullopt;
    out.body = *rest;
  }
  return out;
}

std::optional<std::string> RawConnection::read_until_close(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    long n = fill(deadline);
    if (n == 0) break;
    if (n < 0) return std::nullopt;
  }
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    long n = fill(deadline);
    if (n == 0) return true;
    if (n < 0) return false;
  }
}

void RawConnection::close(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace portico::test
