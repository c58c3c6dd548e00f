#pragma once
// Mail templates: data/templates/mail/<name>.subject.mustache, <name>.txt.mustache and
// <name>.html.mustache, parsed once at start-up. The HTML part is rendered into the shared
// layout.html.mustache through {{{body}}}.
//
// Variables: whatever the caller passes, plus these, provided by render():
//   {{mail_subject}}  in the text, HTML and layout templates: the rendered subject line;
//   {{{body}}}        in the layout: the rendered HTML part;
//   {{#plural}}{{n}}|day|days{{/plural}}  renders "1 day" or "3 days" (count|singular|plural).
// Subject and text are plain text (no HTML escaping); the HTML templates escape {{var}}.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <kainjow/mustache.hpp>

#include "portico/core/result.hpp"
#include "portico/mail/outbox.hpp"

namespace portico::mail {

class MailTemplates {
 public:
  // Loads and parses every template set found in dir (a set is named by its
  // <name>.subject.mustache file) and the layout. kInternal, naming the file, if a part of a set
  // or the layout is missing or does not parse.
  [[nodiscard]] static Result<MailTemplates> load(const std::filesystem::path& dir);

  MailTemplates(MailTemplates&&) noexcept;
  MailTemplates& operator=(MailTemplates&&) noexcept;
  ~MailTemplates();

  bool contains(std::string_view name) const;
  std::vector<std::string> names() const;

  // Renders template set `name` for one recipient. data must be an object. kNotFound for an
  // unknown name; kInternal if rendering fails (a lambda error). Thread-safe.
  [[nodiscard]] Result<OutgoingMail> render(std::string_view name, std::string to_address,
                                            std::string to_name,
                                            const kainjow::mustache::data& data) const;

 private:
  struct Set;
  struct State;
  explicit MailTemplates(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace portico::mail
