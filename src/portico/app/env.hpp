#pragma once
// What services need from the outside world: the database, mail templates, the public base URL
// (for links in mail) and a clock (tests inject one).

#include <string>

#include "portico/core/time.hpp"

namespace portico::storage {
class Database;
}
namespace portico::mail {
class MailTemplates;
}

namespace portico::app {

struct Env {
  storage::Database& db;
  const mail::MailTemplates& mail;
  std::string base_url;  // no trailing slash
  time::Clock now;
  std::string product_name = "Portico";
};

}  // namespace portico::app
