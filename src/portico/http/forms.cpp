#include "portico/http/forms.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/PartHandler.h>

#include <sstream>

#include <fmt/format.h>

namespace portico::http {

namespace {

std::string human_size(std::size_t bytes) {
  if (bytes >= 1024 * 1024) return fmt::format("{} MiB", bytes / (1024 * 1024));
  if (bytes >= 1024) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

// Collects uploaded files, enforcing count and size limits while reading.
class FilePartHandler final : public Poco::Net::PartHandler {
 public:
  explicit FilePartHandler(const FormLimits& limits) : limits_(limits) {}

  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
    std::string disposition;
    Poco::Net::NameValueCollection params;
    Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                              params);
    UploadedFile file;
    file.field = params.get("name", "");
    file.filename = params.get("filename", "");
    // Browsers on some systems send a full path; keep only the last component.
    if (auto slash = file.filename.find_last_of("/\\"); slash != std::string::npos) {
      file.filename = file.filename.substr(slash + 1);
    }
    file.content_type = header.get("Content-Type", "application/octet-stream");
    char chunk[16 * 1024];
    while (stream.read(chunk, sizeof chunk) || stream.gcount() > 0) {
      file.bytes.append(chunk, static_cast<std::size_t>(stream.gcount()));
      if (file.bytes.size() > limits_.max_file_bytes && !error_) {
        error_ = Error{ErrorCode::kTooLarge,
                       fmt::format("The file \"{}\" is larger than the limit of {}.", file.filename,
                                   human_size(limits_.max_file_bytes)),
                       file.field};
      }
      if (error_) file.bytes.clear();  // keep draining the stream without holding the bytes
    }
    // An empty file input (nothing chosen) arrives as a part with no filename and no bytes.
    if (file.filename.empty() && file.bytes.empty()) return;
    if (error_) return;
    total_ += file.bytes.size();
    if (files_.size() + 1 > limits_.max_files) {
      error_ = Error{
          ErrorCode::kTooLarge,
          fmt::format("Too many files: at most {} can be attached at once.", limits_.max_files),
          file.field};
      return;
    }
    if (total_ > limits_.max_total_file_bytes) {
      error_ = Error{ErrorCode::kTooLarge,
                     fmt::format("The files together are larger than the limit of {}.",
                                 human_size(limits_.max_total_file_bytes)),
                     file.field};
      return;
    }
    files_.push_back(std::move(file));
  }

  std::vector<UploadedFile> files_;
  std::optional<Error> error_;

 private:
  const FormLimits& limits_;
  std::size_t total_ = 0;
};

Result<Form> copy_fields(const Poco::Net::HTMLForm& parsed, const FormLimits& limits) {
  Form form;
  for (const auto& [name, value] : parsed) {
    if (value.size() > limits.max_value_bytes) {
      return fail(ErrorCode::kTooLarge,
                  fmt::format("The field \"{}\" is too long (at most {}).", name,
                              human_size(limits.max_value_bytes)),
                  name);
    }
    form.add(name, value);
  }
  return form;
}

void configure(Poco::Net::HTMLForm& form, const FormLimits& limits) {
  form.setFieldLimit(static_cast<int>(limits.max_fields));
  form.setValueLengthLimit(static_cast<int>(limits.max_value_bytes + 1));
}

}  // namespace

std::string Form::get(std::string_view name) const { return find(name).value_or(""); }

std::optional<std::string> Form::find(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string> Form::get_all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : fields_) {
    if (key == name) out.push_back(value);
  }
  return out;
}

Result<Form> parse_query(std::string_view query, const FormLimits& limits) {
  if (query.empty()) return Form{};
  try {
    Poco::Net::HTMLForm parsed;
    configure(parsed, limits);
    std::istringstream in{std::string(query)};
    parsed.read(in);
    return copy_fields(parsed, limits);
  } catch (const Poco::Exception& e) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("The address has a query string that cannot be read: {}",
                            e.message().empty() ? e.displayText() : e.message()));
  }
}

Result<Form> parse_form(const Request& request, const FormLimits& limits) {
  std::string content_type(request.header("Content-Type"));
  if (request.body.empty() && content_type.empty()) return Form{};
  bool multipart = content_type.starts_with("multipart/form-data");
  bool urlencoded = content_type.starts_with("application/x-www-form-urlencoded");
  if (!multipart && !urlencoded) {
    return fail(ErrorCode::kInvalidArgument,
                "The form was sent in a format this page does not accept (expected a web form).");
  }
  try {
    Poco::Net::HTTPRequest head(Poco::Net::HTTPRequest::HTTP_POST, "/",
                                Poco::Net::HTTPMessage::HTTP_1_1);
    head.setContentType(content_type);
    head.setContentLength(static_cast<std::streamsize>(request.body.size()));
    Poco::Net::HTMLForm parsed;
    configure(parsed, limits);
    std::istringstream in(request.body);
    FilePartHandler files(limits);
    parsed.load(head, in, files);
    if (files.error_) return fail(*files.error_);
    auto form = copy_fields(parsed, limits);
    if (!form) return form;
    for (auto& file : files.files_) form->add_file(std::move(file));
    return form;
  } catch (const Poco::Exception& e) {
    std::string what = e.displayText();
    if (what.find("limit") != std::string::npos) {
      return fail(ErrorCode::kTooLarge,
                  "The form has too many fields or a field that is too long.");
    }
    return fail(ErrorCode::kInvalidArgument,
                "The form could not be read; please reload the page and try again.");
  } catch (const std::exception&) {
    return fail(ErrorCode::kInvalidArgument,
                "The form could not be read; please reload the page and try again.");
  }
}

std::vector<std::pair<std::string, std::string>> parse_cookies(std::string_view cookie_header) {
  std::vector<std::pair<std::string, std::string>> out;
  if (cookie_header.empty()) return out;
  try {
    Poco::Net::HTTPRequest head;
    head.set("Cookie", std::string(cookie_header));
    Poco::Net::NameValueCollection cookies;
    head.getCookies(cookies);
    for (const auto& [name, value] : cookies) out.emplace_back(name, value);
  } catch (const Poco::Exception&) {
    // A malformed Cookie header is treated as no cookies.
  }
  return out;
}

}  // namespace portico::http
