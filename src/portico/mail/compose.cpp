#include "portico/mail/compose.hpp"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>
#include <random>

#include <fmt/format.h>

namespace portico::mail {

namespace {

constexpr const char* kCharset = "utf-8";

void ensure_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// GObject ownership; g_object_unref accepts any GObject subclass.
struct GObjectUnref {
  void operator()(void* object) const { g_object_unref(object); }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

// GMime's cast macros are C-style casts; every GMime type starts with its parent's struct, so a
// reinterpret_cast upcast is what the macros do without the (unneeded) runtime check.
template <typename T>
GMimeObject* as_object(T* p) {
  return reinterpret_cast<GMimeObject*>(p);
}
template <typename T>
GMimePart* as_part(T* p) {
  return reinterpret_cast<GMimePart*>(p);
}

// Valid UTF-8 (invalid bytes become U+FFFD) without CR: GMime writes the line endings.
std::string clean_text(std::string_view text) {
  if (text.empty()) return {};
  gchar* valid = g_utf8_make_valid(text.data(), static_cast<gssize>(text.size()));
  std::string out;
  for (const gchar* p = valid; *p; ++p) {
    if (*p != '\r') out.push_back(*p);
  }
  g_free(valid);
  return out;
}

// One header line: each run of line breaks and other whitespace or control characters becomes
// one space.
std::string clean_header(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : clean_text(text)) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

void add_mailbox(GMimeMessage* message, GMimeAddressType type, std::string_view name,
                 std::string_view address) {
  std::string display = clean_header(name);
  std::string addr(address);
  InternetAddress* mailbox =
      internet_address_mailbox_new(display.empty() ? nullptr : display.c_str(), addr.c_str());
  internet_address_set_charset(mailbox, kCharset);
  internet_address_list_add(g_mime_message_get_addresses(message, type), mailbox);
  g_object_unref(mailbox);
}

void set_content(GMimeTextPart* part, const std::string& text) {
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  GPtr<GMimeDataWrapper> content(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(as_part(part), content.get());
}

GPtr<GMimeTextPart> make_text_part(const char* subtype, std::string_view body) {
  std::string text = clean_text(body);
  GPtr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
  set_content(part.get(), text);
  // Set after the content: UTF-8 always, never a charset GMime guesses from the text.
  g_mime_text_part_set_charset(part.get(), kCharset);
  // 7bit for short ASCII lines, else quoted-printable or base64, whichever is smaller.
  GMimeContentEncoding encoding =
      g_mime_part_get_best_content_encoding(as_part(part.get()), GMIME_ENCODING_CONSTRAINT_7BIT);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64) {
    // Base64 carries the bytes as they are, so they must already be in canonical text form
    // (CRLF); the other encodings get their line endings from the DOS newline format on output.
    std::string crlf;
    crlf.reserve(text.size() + text.size() / 32);
    for (char c : text) {
      if (c == '\n') crlf.push_back('\r');
      crlf.push_back(c);
    }
    set_content(part.get(), crlf);
  }
  g_mime_part_set_content_encoding(as_part(part.get()), encoding);
  return part;
}

std::string_view domain_of(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at + 1 == address.size()) return "localhost";
  return address.substr(at + 1);
}

}  // namespace

std::string make_message_id(std::string_view from_address) {
  std::random_device random;
  std::uniform_int_distribution<std::uint32_t> dist;
  return fmt::format("<{:08x}{:08x}{:08x}{:08x}@{}>", dist(random), dist(random), dist(random),
                     dist(random), domain_of(from_address));
}

Result<std::string> compose(const MailIdentity& identity, const OutgoingMail& mail,
                            std::string_view message_id, std::int64_t date) {
  if (!is_valid_address(identity.from_address)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("invalid sender address '{}'", identity.from_address), "from");
  }
  if (!identity.reply_to.empty() && !is_valid_address(identity.reply_to)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("invalid Reply-To address '{}'", identity.reply_to), "reply_to");
  }
  if (!is_valid_address(mail.to_address)) {
    return fail(ErrorCode::kInvalidArgument,
                fmt::format("invalid recipient address '{}'", mail.to_address), "to");
  }
  std::string_view id = message_id;
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  if (id.empty() || id.find('@') == std::string_view::npos ||
      id.find_first_of("<> \r\n") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, fmt::format("invalid Message-ID '{}'", message_id),
                "message_id");
  }

  ensure_gmime();
  GPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, identity.from_name, identity.from_address);
  if (!identity.reply_to.empty()) {
    add_mailbox(message.get(), GMIME_ADDRESS_TYPE_REPLY_TO, {}, identity.reply_to);
  }
  add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, mail.to_name, mail.to_address);
  g_mime_message_set_subject(message.get(), clean_header(mail.subject).c_str(), kCharset);

  GDateTime* when = g_date_time_new_from_unix_utc(date);
  if (!when) return fail(ErrorCode::kInvalidArgument, "date out of range", "date");
  g_mime_message_set_date(message.get(), when);
  g_date_time_unref(when);

  std::string bare_id(id);
  g_mime_message_set_message_id(message.get(), bare_id.c_str());
  // RFC 3834: tells auto-responders (vacation replies) not to answer.
  g_mime_object_set_header(as_object(message.get()), "Auto-Submitted", "auto-generated", nullptr);

  GPtr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
  auto text = make_text_part("plain", mail.body_text);
  auto html = make_text_part("html", mail.body_html);
  g_mime_multipart_add(alternative.get(), as_object(text.get()));
  g_mime_multipart_add(alternative.get(), as_object(html.get()));
  g_mime_message_set_mime_part(message.get(), as_object(alternative.get()));

  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  char* serialized = g_mime_object_to_string(as_object(message.get()), options);
  g_mime_format_options_free(options);
  if (!serialized) return fail(ErrorCode::kInternal, "GMime could not serialize the message");
  std::string out(serialized);
  g_free(serialized);
  return out;
}

}  // namespace portico::mail
