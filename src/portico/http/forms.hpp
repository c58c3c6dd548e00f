#pragma once
// Form, query-string and cookie parsing on top of Poco::Net's parsers (HTMLForm, PartHandler,
// HTTPRequest::getCookies), applied to bodies Beast has already read. Limit violations are
// values, never exceptions: kInvalidArgument (400) or kTooLarge (413).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portico/core/result.hpp"
#include "portico/http/message.hpp"

namespace portico::http {

struct UploadedFile {
  std::string field;         // the form field name
  std::string filename;      // as sent by the browser, without any directory part
  std::string content_type;  // as sent; never trusted for serving
  std::string bytes;
};

class Form {
 public:
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  void add_file(UploadedFile file) { files_.push_back(std::move(file)); }

  // The first value of a field, or "" when absent.
  std::string get(std::string_view name) const;
  std::optional<std::string> find(std::string_view name) const;
  std::vector<std::string> get_all(std::string_view name) const;
  bool has(std::string_view name) const { return find(name).has_value(); }

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  const std::vector<UploadedFile>& files() const { return files_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<UploadedFile> files_;
};

struct FormLimits {
  std::size_t max_fields = 200;
  std::size_t max_value_bytes = 256 * 1024;  // one text field (a long reply fits)
  std::size_t max_files = 10;
  std::size_t max_file_bytes = 25 * 1024 * 1024;  // one attachment
  std::size_t max_total_file_bytes = 25 * 1024 * 1024;
};

// Parses a query string (a=1&b=two).
[[nodiscard]] Result<Form> parse_query(std::string_view query, const FormLimits& limits = {});

// Parses a POST body: application/x-www-form-urlencoded or multipart/form-data.
[[nodiscard]] Result<Form> parse_form(const Request& request, const FormLimits& limits = {});

// Parses the Cookie header into name → value pairs.
std::vector<std::pair<std::string, std::string>> parse_cookies(std::string_view cookie_header);

}  // namespace portico::http
