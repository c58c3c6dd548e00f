#include "portico/domain/policy.hpp"

#include <array>
#include <stdexcept>

namespace portico::domain {
namespace {

bool is_requester(const Actor& actor, const TicketAccess& ticket) {
  return ticket.requester_id == actor.user_id;
}

bool in_same_organization(const Actor& actor, const TicketAccess& ticket) {
  return actor.organization_id && ticket.organization_id &&
         *actor.organization_id == *ticket.organization_id;
}

struct TicketViewFacts {
  TicketView view;
  std::string_view slug;
  std::string_view label;
};
constexpr std::array<TicketViewFacts, 2> kTicketViewTable{{
    {TicketView::kMine, "mine", "My tickets"},
    {TicketView::kOrganization, "organization", "My organization's tickets"},
}};

const TicketViewFacts& view_facts(TicketView view) {
  for (const TicketViewFacts& row : kTicketViewTable) {
    if (row.view == view) return row;
  }
  throw std::out_of_range("portico::domain: invalid TicketView value");
}

}  // namespace

bool can_view(const Actor& actor, const TicketAccess& ticket) {
  if (is_staff(actor.role)) return true;
  return is_requester(actor, ticket) || ticket.actor_is_cc || in_same_organization(actor, ticket);
}

bool can_reply(const Actor& actor, const TicketAccess& ticket) { return can_view(actor, ticket); }

bool can_change_status(const Actor& actor, const TicketAccess& /*ticket*/) {
  return is_staff(actor.role);
}

bool can_force_status(const Actor& actor) { return actor.role == Role::kAdmin; }

bool can_add_internal_note(const Actor& actor, const TicketAccess& /*ticket*/) {
  return is_staff(actor.role);
}

bool can_see_internal_notes(const Actor& actor) { return is_staff(actor.role); }

bool can_close_as_requester(const Actor& actor, const TicketAccess& ticket) {
  return actor.role == Role::kCustomer && is_requester(actor, ticket) && is_open(ticket.status);
}

bool can_confirm_fix(const Actor& actor, const TicketAccess& ticket) {
  return actor.role == Role::kCustomer && (is_requester(actor, ticket) || ticket.actor_is_cc) &&
         ticket.status == Status::kWaitingOnCustomerFixValidation;
}

std::string_view ticket_view_slug(TicketView view) { return view_facts(view).slug; }
std::string_view ticket_view_label(TicketView view) { return view_facts(view).label; }

std::optional<TicketView> ticket_view_from_slug(std::string_view slug) {
  for (const TicketViewFacts& row : kTicketViewTable) {
    if (row.slug == slug) return row.view;
  }
  return std::nullopt;
}

VisibilityScope visibility_scope(const Actor& actor, TicketView view) {
  VisibilityScope scope;
  if (is_staff(actor.role)) {
    scope.all = true;
    return scope;
  }
  scope.requester_or_cc_user_id = actor.user_id;
  if (view == TicketView::kOrganization) scope.organization_id = actor.organization_id;
  return scope;
}

bool in_scope(const VisibilityScope& scope, const TicketAccess& ticket) {
  if (scope.all) return true;
  if (scope.requester_or_cc_user_id &&
      (ticket.requester_id == *scope.requester_or_cc_user_id || ticket.actor_is_cc)) {
    return true;
  }
  return scope.organization_id && ticket.organization_id &&
         *scope.organization_id == *ticket.organization_id;
}

}  // namespace portico::domain
