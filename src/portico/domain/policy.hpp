#pragma once
// Who may see and do what with a ticket. Every permission in the product is decided here, once;
// services call these after loading the ticket and before changing anything.
//
// The rules:
//  - Agents and admins ("staff") see every ticket and may reply, add internal notes and change
//    status (through check_transition); only admins may force a status change.
//  - A customer sees a ticket when they are its requester, are CC'd on it, or belong to the
//    ticket's organization (the seed's View filter offers "tickets created by any user in your
//    organization"). A customer without an organization sees only their own and CC'd tickets.
//  - A customer may reply to any ticket they can see, also a closed one (the reply reopens it or
//    starts a follow-up, see status_after_customer_reply).
//  - Customers never see or add internal notes and never change status directly; their status
//    changes are "Confirm fix" and closing their own ticket.
//  - "Confirm fix" is open to the requester and the CC'd users: the Waiting on Customer (Fix
//    Validation) request was e-mailed to all of them. Closing a ticket outright abandons the
//    request, so only its requester may do that.
//  - A ticket the actor may not view must be answered exactly like a missing one (kNotFound, HTTP
//    404), so that guessing IDs reveals nothing.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "portico/domain/role.hpp"
#include "portico/domain/status.hpp"

namespace portico::domain {

// A set of teams, stored as a bitmask (bit code - 1), e.g. in a users.teams column.
class TeamSet {
 public:
  constexpr TeamSet() = default;
  constexpr TeamSet(std::initializer_list<Team> teams) {
    for (const Team team : teams) insert(team);
  }
  // Bits beyond the known teams are dropped.
  static constexpr TeamSet from_bits(std::uint8_t bits) {
    TeamSet set;
    set.bits_ = static_cast<std::uint8_t>(bits & kKnownBits);
    return set;
  }

  constexpr std::uint8_t bits() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool contains(Team team) const { return (bits_ & bit(team)) != 0; }
  constexpr void insert(Team team) { bits_ = static_cast<std::uint8_t>(bits_ | bit(team)); }
  constexpr void erase(Team team) {
    bits_ = static_cast<std::uint8_t>(bits_ & static_cast<std::uint8_t>(~bit(team)));
  }

  friend constexpr bool operator==(TeamSet, TeamSet) = default;

 private:
  static constexpr std::uint8_t kKnownBits = 0b1'1111;
  static constexpr std::uint8_t bit(Team team) {
    return static_cast<std::uint8_t>(1U << (static_cast<unsigned>(team) - 1U));
  }

  std::uint8_t bits_ = 0;
};

// The logged-in user, as far as permissions care.
struct Actor {
  std::int64_t user_id = 0;
  Role role = Role::kCustomer;
  std::optional<std::int64_t> organization_id;  // customers' organization; none for most staff
  TeamSet teams;                                // agents' teams; empty for customers
};

// The facts about one ticket that permissions depend on, relative to the actor asking. Fill every
// field from the loaded ticket; the defaults grant nothing (no requester, Closed).
struct TicketAccess {
  std::int64_t requester_id = 0;
  std::optional<std::int64_t> organization_id;  // the requester's organization when submitted
  bool actor_is_cc = false;                     // the actor is among the ticket's CCs
  Status status = Status::kClosed;
};

// May see the ticket, its public thread and information. When false, answer kNotFound.
bool can_view(const Actor& actor, const TicketAccess& ticket);
// May post a public reply: staff always; a customer whenever they can view the ticket.
bool can_reply(const Actor& actor, const TicketAccess& ticket);
// May move the ticket through the workflow (staff); the move itself is checked by
// check_transition.
bool can_change_status(const Actor& actor, const TicketAccess& ticket);
// May force a status change outside the transition table (admins, with a reason).
bool can_force_status(const Actor& actor);
// May add an internal note (staff); only staff ever see internal notes.
bool can_add_internal_note(const Actor& actor, const TicketAccess& ticket);
bool can_see_internal_notes(const Actor& actor);
// May close the ticket as its requester: a customer who is the requester, while it is open.
bool can_close_as_requester(const Actor& actor, const TicketAccess& ticket);
// May press "Confirm fix": a customer who is the requester or CC'd, while the ticket is in
// Waiting on Customer (Fix Validation).
bool can_confirm_fix(const Actor& actor, const TicketAccess& ticket);

// The customer's View filter on their ticket list.
enum class TicketView : std::uint8_t {
  kMine,          // tickets I created or am CC'd on (the default)
  kOrganization,  // additionally, every ticket of my organization
};
// "mine", "organization".
std::string_view ticket_view_slug(TicketView view);
std::optional<TicketView> ticket_view_from_slug(std::string_view slug);
// "My tickets", "My organization's tickets".
std::string_view ticket_view_label(TicketView view);

// Which tickets a list query may return; the storage layer turns it into a WHERE clause applied
// inside every list query. A ticket is in scope when `all` is set, or it matches any present
// condition (they are OR-ed); with no condition present, nothing is in scope.
struct VisibilityScope {
  bool all = false;                                     // staff: no restriction
  std::optional<std::int64_t> requester_or_cc_user_id;  // requester = id, or id among the CCs
  std::optional<std::int64_t> organization_id;          // the ticket's organization = id

  friend bool operator==(const VisibilityScope&, const VisibilityScope&) = default;
};

// Staff: all tickets, whatever the view. Customers: kMine → {requester_or_cc_user_id = me};
// kOrganization → {me} or {my organization} (only {me} without an organization).
// For every customer, can_view(actor, t) == in_scope(visibility_scope(actor, kOrganization), t).
VisibilityScope visibility_scope(const Actor& actor, TicketView view);
// The scope applied to one ticket, as the WHERE clause would; `ticket.actor_is_cc` must be
// relative to the same actor the scope was made for.
bool in_scope(const VisibilityScope& scope, const TicketAccess& ticket);

}  // namespace portico::domain
