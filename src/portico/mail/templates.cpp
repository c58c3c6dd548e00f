#include "portico/mail/templates.hpp"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace portico::mail {

namespace fs = std::filesystem;
namespace mustache = kainjow::mustache;

namespace {

constexpr std::string_view kSubjectSuffix = ".subject.mustache";
constexpr std::string_view kTextSuffix = ".txt.mustache";
constexpr std::string_view kHtmlSuffix = ".html.mustache";
constexpr std::string_view kLayoutFile = "layout.html.mustache";

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::kInternal, fmt::format("cannot read mail template {}", path.string()));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

Result<mustache::mustache> parse_file(const fs::path& path, bool html) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  mustache::mustache tmpl(*text);
  if (!tmpl.is_valid()) {
    return fail(ErrorCode::kInternal,
                fmt::format("mail template {}: {}", path.string(), tmpl.error_message()));
  }
  // Subjects and text bodies are plain text: {{var}} must not turn "&" into "&amp;".
  if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl;
}

// One line with single spaces: a subject never carries a line break into a header.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Text bodies end with exactly one newline and have no trailing blank lines.
std::string tidy_text(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  text.push_back('\n');
  return text;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// {{#plural}}COUNT|singular|plural{{/plural}} → "1 day" / "3 days".
std::string render_plural(const std::string& text, const mustache::renderer& render) {
  std::string rendered = render(text);
  auto first = rendered.find('|');
  auto second = first == std::string::npos ? first : rendered.find('|', first + 1);
  if (second == std::string::npos) return rendered;
  std::string_view all(rendered);
  std::string_view count = trim(all.substr(0, first));
  std::string_view word =
      count == "1" ? all.substr(first + 1, second - first - 1) : all.substr(second + 1);
  return fmt::format("{} {}", count, trim(word));
}

}  // namespace

struct MailTemplates::Set {
  mustache::mustache subject;
  mustache::mustache text;
  mustache::mustache html;
};

struct MailTemplates::State {
  explicit State(mustache::mustache layout_template) : layout(std::move(layout_template)) {}

  // kainjow's render() is not const (it records errors in the template), so renders take turns.
  std::mutex mutex;
  mustache::mustache layout;
  std::map<std::string, Set, std::less<>> sets;
};

MailTemplates::MailTemplates(std::unique_ptr<State> state) : state_(std::move(state)) {}
MailTemplates::MailTemplates(MailTemplates&&) noexcept = default;
MailTemplates& MailTemplates::operator=(MailTemplates&&) noexcept = default;
MailTemplates::~MailTemplates() = default;

Result<MailTemplates> MailTemplates::load(const fs::path& dir) {
  auto layout = parse_file(dir / kLayoutFile, true);
  if (!layout) return std::unexpected(layout.error());
  auto state = std::make_unique<State>(std::move(*layout));

  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (!file.ends_with(kSubjectSuffix)) continue;
    std::string name = file.substr(0, file.size() - kSubjectSuffix.size());
    auto subject = parse_file(entry.path(), false);
    if (!subject) return std::unexpected(subject.error());
    auto text = parse_file(dir / (name + std::string(kTextSuffix)), false);
    if (!text) return std::unexpected(text.error());
    auto html = parse_file(dir / (name + std::string(kHtmlSuffix)), true);
    if (!html) return std::unexpected(html.error());
    state->sets.emplace(name, Set{std::move(*subject), std::move(*text), std::move(*html)});
  }
  if (ec) {
    return fail(ErrorCode::kInternal,
                fmt::format("cannot list mail templates in {}: {}", dir.string(), ec.message()));
  }
  spdlog::debug("loaded {} mail templates from {}", state->sets.size(), dir.string());
  return MailTemplates(std::move(state));
}

bool MailTemplates::contains(std::string_view name) const {
  return state_->sets.find(name) != state_->sets.end();
}

std::vector<std::string> MailTemplates::names() const {
  std::vector<std::string> out;
  for (const auto& [name, set] : state_->sets) out.push_back(name);
  return out;
}

Result<OutgoingMail> MailTemplates::render(std::string_view name, std::string to_address,
                                           std::string to_name, const mustache::data& data) const {
  auto it = state_->sets.find(name);
  if (it == state_->sets.end()) {
    return fail(ErrorCode::kNotFound, fmt::format("no mail template named '{}'", name));
  }
  if (!data.is_object()) {
    return fail(ErrorCode::kInternal,
                fmt::format("mail template '{}': data is not an object", name));
  }
  Set& set = it->second;
  mustache::data vars(data);
  vars.set("plural", mustache::data(mustache::lambda2(render_plural)));

  std::lock_guard lock(state_->mutex);
  OutgoingMail mail;
  mail.template_name = std::string(name);
  mail.to_address = std::move(to_address);
  mail.to_name = std::move(to_name);
  mail.subject = one_line(set.subject.render(vars));
  vars.set("mail_subject", mail.subject);
  mail.body_text = tidy_text(set.text.render(vars));
  vars.set("body", set.html.render(vars));
  mail.body_html = state_->layout.render(vars);
  for (const mustache::mustache* tmpl : {&set.subject, &set.text, &set.html, &state_->layout}) {
    if (!tmpl->is_valid()) {
      return fail(ErrorCode::kInternal,
                  fmt::format("mail template '{}': {}", name, tmpl->error_message()));
    }
  }
  return mail;
}

}  // namespace portico::mail
