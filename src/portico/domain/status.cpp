#include "portico/domain/status.hpp"

#include <stdexcept>

namespace portico::domain {
namespace {

// The table is indexed by code - 1, so its order is part of its contract.
constexpr bool table_is_in_code_order() {
  for (std::size_t i = 0; i < kStatusTable.size(); ++i) {
    if (to_code(kStatusTable[i].status) != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(table_is_in_code_order(), "kStatusTable must list codes 1..N in order");

constexpr bool slugs_are_unique() {
  for (std::size_t i = 0; i < kStatusTable.size(); ++i) {
    if (kStatusTable[i].slug.empty() || kStatusTable[i].name.empty()) return false;
    for (std::size_t j = i + 1; j < kStatusTable.size(); ++j) {
      if (kStatusTable[i].slug == kStatusTable[j].slug) return false;
      if (kStatusTable[i].name == kStatusTable[j].name) return false;
    }
  }
  return true;
}
static_assert(slugs_are_unique(), "status names and slugs must be non-empty and unique");

// A fixed-capacity list of statuses filled at compile time from the table.
struct StatusList {
  std::array<Status, kStatusTable.size()> items{};
  std::size_t size = 0;

  constexpr void push(Status status) { items[size++] = status; }
  std::span<const Status> view() const { return {items.data(), size}; }
};

template <typename Predicate>
constexpr StatusList select(Predicate keep) {
  StatusList list;
  for (const StatusFacts& row : kStatusTable) {
    if (keep(row)) list.push(row.status);
  }
  return list;
}

constexpr StatusList kAll = select([](const StatusFacts&) { return true; });

constexpr StatusList pending_on_list(PendingOn who) {
  return select([who](const StatusFacts& row) { return row.pending_on == who; });
}

constexpr StatusList owned_list(Team team) {
  return select([team](const StatusFacts& row) { return row.owner == team; });
}

struct TeamFacts {
  Team team;
  std::string_view slug;
  std::string_view name;
};
constexpr std::array<TeamFacts, 5> kTeamTable{{
    {Team::kSupport, "support", "Support Team"},
    {Team::kProduct, "product", "Product Team"},
    {Team::kTechnical, "technical", "Technical Team"},
    {Team::kDevelopment, "development", "Development Team"},
    {Team::kDeployment, "deployment", "Deployment Team"},
}};

struct TicketTypeFacts {
  TicketType type;
  std::string_view slug;
  std::string_view label;
};
constexpr std::array<TicketTypeFacts, 3> kTicketTypeTable{{
    {TicketType::kProblem, "problem", "Problem/Bug"},
    {TicketType::kRequest, "request", "Request"},
    {TicketType::kSuggestion, "suggestion", "Product Suggestion"},
}};

struct PendingOnFacts {
  PendingOn who;
  std::string_view slug;
  std::string_view label;
};
constexpr std::array<PendingOnFacts, 3> kPendingOnTable{{
    {PendingOn::kSupport, "support", "Pending on support"},
    {PendingOn::kCustomer, "customer", "Pending on you"},
    {PendingOn::kNobody, "nobody", "Closed"},
}};

// The side tables are indexed by code - 1 too.
template <typename Row, std::size_t N, typename Key>
constexpr bool in_code_order(const std::array<Row, N>& table, Key Row::*key) {
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<int>(table[i].*key) != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(in_code_order(kTeamTable, &TeamFacts::team));
static_assert(in_code_order(kTicketTypeTable, &TicketTypeFacts::type));

template <typename Row, std::size_t N, typename Key>
constexpr std::array<Key, N> keys_of(const std::array<Row, N>& table, Key Row::*key) {
  std::array<Key, N> keys{};
  for (std::size_t i = 0; i < N; ++i) keys[i] = table[i].*key;
  return keys;
}
constexpr std::array<Team, kTeamTable.size()> kTeams = keys_of(kTeamTable, &TeamFacts::team);
constexpr std::array<TicketType, kTicketTypeTable.size()> kTicketTypes =
    keys_of(kTicketTypeTable, &TicketTypeFacts::type);

constexpr bool pending_on_table_in_order() {
  for (std::size_t i = 0; i < kPendingOnTable.size(); ++i) {
    if (static_cast<std::size_t>(kPendingOnTable[i].who) != i) return false;
  }
  return true;
}
static_assert(pending_on_table_in_order());

// The derived views, one list per key, indexed like the side tables.
constexpr auto kByPendingOn = [] {
  std::array<StatusList, kPendingOnTable.size()> lists{};
  for (std::size_t i = 0; i < lists.size(); ++i) lists[i] = pending_on_list(kPendingOnTable[i].who);
  return lists;
}();
constexpr auto kByOwner = [] {
  std::array<StatusList, kTeams.size()> lists{};
  for (std::size_t i = 0; i < lists.size(); ++i) lists[i] = owned_list(kTeams[i]);
  return lists;
}();

std::size_t team_index(Team team) {
  const int code = to_code(team);
  if (code < 1 || code > static_cast<int>(kTeamTable.size())) {
    throw std::out_of_range("portico::domain: invalid Team value");
  }
  return static_cast<std::size_t>(code - 1);
}

std::size_t ticket_type_index(TicketType type) {
  const int code = to_code(type);
  if (code < 1 || code > static_cast<int>(kTicketTypeTable.size())) {
    throw std::out_of_range("portico::domain: invalid TicketType value");
  }
  return static_cast<std::size_t>(code - 1);
}

std::size_t pending_on_index(PendingOn who) {
  const auto index = static_cast<std::size_t>(who);
  if (index >= kPendingOnTable.size()) {
    throw std::out_of_range("portico::domain: invalid PendingOn value");
  }
  return index;
}

}  // namespace

std::optional<Status> status_from_code(int code) {
  if (code < 1 || code > static_cast<int>(kStatusTable.size())) return std::nullopt;
  return kStatusTable[static_cast<std::size_t>(code - 1)].status;
}

std::optional<Status> status_from_slug(std::string_view slug) {
  for (const StatusFacts& row : kStatusTable) {
    if (row.slug == slug) return row.status;
  }
  return std::nullopt;
}

const StatusFacts& facts(Status status) {
  const int code = to_code(status);
  if (code < 1 || code > static_cast<int>(kStatusTable.size())) {
    throw std::out_of_range("portico::domain: invalid Status value");
  }
  return kStatusTable[static_cast<std::size_t>(code - 1)];
}

std::string_view status_name(Status status) { return facts(status).name; }
std::string_view status_slug(Status status) { return facts(status).slug; }
std::string_view status_definition(Status status) { return facts(status).definition; }

std::string_view owner_label(Status status) {
  const StatusFacts& row = facts(status);
  if (row.owner) return team_name(*row.owner);
  if (row.pending_on == PendingOn::kCustomer) return "Customer";
  return "—";
}

std::span<const Status> all_statuses() { return kAll.view(); }

std::span<const Status> statuses_pending_on(PendingOn who) {
  return kByPendingOn[pending_on_index(who)].view();
}

std::span<const Status> statuses_owned_by(Team team) { return kByOwner[team_index(team)].view(); }

bool is_waiting_on_customer(Status status) {
  return facts(status).pending_on == PendingOn::kCustomer;
}

bool is_open(Status status) { return facts(status).pending_on != PendingOn::kNobody; }

std::string_view pending_on_slug(PendingOn who) {
  return kPendingOnTable[pending_on_index(who)].slug;
}

std::string_view pending_on_label(PendingOn who) {
  return kPendingOnTable[pending_on_index(who)].label;
}

std::optional<PendingOn> pending_on_from_slug(std::string_view slug) {
  for (const PendingOnFacts& row : kPendingOnTable) {
    if (row.slug == slug) return row.who;
  }
  return std::nullopt;
}

std::span<const Team> all_teams() { return kTeams; }

std::optional<Team> team_from_code(int code) {
  if (code < 1 || code > static_cast<int>(kTeamTable.size())) return std::nullopt;
  return kTeamTable[static_cast<std::size_t>(code - 1)].team;
}

std::string_view team_slug(Team team) { return kTeamTable[team_index(team)].slug; }
std::string_view team_name(Team team) { return kTeamTable[team_index(team)].name; }

std::optional<Team> team_from_slug(std::string_view slug) {
  for (const TeamFacts& row : kTeamTable) {
    if (row.slug == slug) return row.team;
  }
  return std::nullopt;
}

std::span<const TicketType> all_ticket_types() { return kTicketTypes; }

std::optional<TicketType> ticket_type_from_code(int code) {
  if (code < 1 || code > static_cast<int>(kTicketTypeTable.size())) return std::nullopt;
  return kTicketTypeTable[static_cast<std::size_t>(code - 1)].type;
}

std::string_view ticket_type_slug(TicketType type) {
  return kTicketTypeTable[ticket_type_index(type)].slug;
}

std::string_view ticket_type_label(TicketType type) {
  return kTicketTypeTable[ticket_type_index(type)].label;
}

std::optional<TicketType> ticket_type_from_slug(std::string_view slug) {
  for (const TicketTypeFacts& row : kTicketTypeTable) {
    if (row.slug == slug) return row.type;
  }
  return std::nullopt;
}

}  // namespace portico::domain
