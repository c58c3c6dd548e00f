#include "portico/web/static_files.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "portico/core/crypto.hpp"
#include "portico/http/compress.hpp"

namespace portico::web {

namespace {

std::string content_type_for(const std::filesystem::path& path) {
  static const std::map<std::string, std::string, std::less<>> types = {
      {".css", "text/css; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".json", "application/json"},
  };
  auto it = types.find(path.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace

Result<std::unique_ptr<StaticFiles>> StaticFiles::load(const std::vector<Root>& roots) {
  auto out = std::unique_ptr<StaticFiles>(new StaticFiles());
  for (const auto& root : roots) {
    std::error_code ec;
    if (!std::filesystem::is_directory(root.dir, ec)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root.dir, ec)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      Asset asset;
      asset.body = bytes.str();
      asset.content_type = content_type_for(entry.path());
      asset.etag = crypto::sha256_hex(asset.body).substr(0, 16);
      bool text = asset.content_type.starts_with("text/") ||
                  asset.content_type.starts_with("application/javascript") ||
                  asset.content_type.starts_with("image/svg");
      if (text && asset.body.size() > 512) {
        auto gz = http::gzip(asset.body);
        if (gz && gz->size() < asset.body.size()) asset.gzipped = std::move(*gz);
      }
      auto name = root.prefix + std::filesystem::relative(entry.path(), root.dir).generic_string();
      out->assets_.insert_or_assign(name, std::move(asset));
    }
  }
  return out;
}

std::optional<http::Response> StaticFiles::serve(const http::Request& request,
                                                 std::string_view name) const {
  auto it = assets_.find(name);
  if (it == assets_.end()) return std::nullopt;
  const Asset& asset = it->second;
  http::Response r;
  std::string etag = fmt::format("\"{}\"", asset.etag);
  r.headers.set("ETag", etag);
  bool versioned = request.query == "v=" + asset.etag;
  r.headers.set("Cache-Control",
                versioned ? "public, max-age=31536000, immutable" : "public, max-age=300");
  r.headers.set("X-Content-Type-Options", "nosniff");
  r.headers.set("Vary", "Accept-Encoding");
  if (request.header("If-None-Match") == etag) {
    r.status = 304;
    return r;
  }
  r.headers.set("Content-Type", asset.content_type);
  bool gzip_ok = request.header("Accept-Encoding").find("gzip") != std::string_view::npos;
  if (gzip_ok && asset.gzipped) {
    r.headers.set("Content-Encoding", "gzip");
    r.body = *asset.gzipped;
  } else {
    r.body = asset.body;
  }
  return r;
}

std::string StaticFiles::url(std::string_view name) const {
  auto it = assets_.find(name);
  if (it == assets_.end()) return fmt::format("/static/{}", name);
  return fmt::format("/static/{}?v={}", name, it->second.etag);
}

}  // namespace portico::web
