#pragma once
// Static assets (CSS, JS, images) loaded into memory at start-up, each with a strong ETag and,
// where it pays, a pre-compressed gzip copy. URLs carry ?v=<etag> so browsers may cache them for
// a year; a request with a stale or missing version is still served, with a short max-age.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portico/core/result.hpp"
#include "portico/http/message.hpp"

namespace portico::web {

class StaticFiles {
 public:
  struct Root {
    std::string prefix;  // URL path under /static/, e.g. "" or "vendor/"
    std::filesystem::path dir;
  };
  [[nodiscard]] static Result<std::unique_ptr<StaticFiles>> load(const std::vector<Root>& roots);

  // Serves GET/HEAD /static/<name>; nullopt when no such asset.
  std::optional<http::Response> serve(const http::Request& request, std::string_view name) const;
  // The cache-busting URL of an asset, e.g. "/static/portico.css?v=3f2a…".
  std::string url(std::string_view name) const;

 private:
  struct Asset {
    std::string content_type;
    std::string body;
    std::optional<std::string> gzipped;
    std::string etag;
  };
  std::map<std::string, Asset, std::less<>> assets_;
};

}  // namespace portico::web
