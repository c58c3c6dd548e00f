#pragma once
// What services need from the outside world: the database, mail templates, the public base URL
// (for links in mail), a clock (tests inject one) and the wording of the status definitions.

#include <memory>
#include <string>

#include "portico/app/status_wording.hpp"
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
  // The definitions customers read, over `db`; shared by copies of this Env.
  std::shared_ptr<StatusWording> status_wording = std::make_shared<StatusWording>(db);
};

}  // namespace portico::app
