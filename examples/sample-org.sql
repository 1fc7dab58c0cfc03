-- The sample organization that `make up` loads (huddle-migrate, HUDDLE_SEED=sample).
-- Idempotent: every insert skips what exists. Tokens are issued by huddle-migrate.

INSERT INTO department (id, name) VALUES
  ('hub', 'Social Media Center of Excellence'),
  ('marketing', 'Marketing'),
  ('customer-care', 'Customer Care'),
  ('legal', 'Legal & Compliance'),
  ('hr', 'Human Resources')
ON CONFLICT DO NOTHING;

INSERT INTO person (id, email, name, department_id) VALUES
  ('00000000-0000-4000-8000-000000000001', 'olivia@example.org', 'Olivia Grant', 'hub'),
  ('00000000-0000-4000-8000-000000000002', 'maya@example.org', 'Maya Lopez', 'marketing'),
  ('00000000-0000-4000-8000-000000000003', 'carl@example.org', 'Carl Chen', 'marketing'),
  ('00000000-0000-4000-8000-000000000004', 'rita@example.org', 'Rita Reyes', 'customer-care'),
  ('00000000-0000-4000-8000-000000000005', 'cora@example.org', 'Cora Kim', 'customer-care'),
  ('00000000-0000-4000-8000-000000000006', 'lena@example.org', 'Lena Fischer', 'legal'),
  ('00000000-0000-4000-8000-000000000007', 'hank@example.org', 'Hank Ito', 'hr'),
  ('00000000-0000-4000-8000-000000000008', 'ben@example.org', 'Ben Novak', 'marketing'),
  ('00000000-0000-4000-8000-000000000009', 'ivy@example.org', 'Ivy Park', 'hub')
ON CONFLICT DO NOTHING;

INSERT INTO person_role (person_id, role) VALUES
  ('00000000-0000-4000-8000-000000000001', 'orchestrator'),
  ('00000000-0000-4000-8000-000000000002', 'player'),
  ('00000000-0000-4000-8000-000000000002', 'responder'),
  ('00000000-0000-4000-8000-000000000003', 'coach'),
  ('00000000-0000-4000-8000-000000000003', 'player'),
  ('00000000-0000-4000-8000-000000000004', 'responder'),
  ('00000000-0000-4000-8000-000000000004', 'player'),
  ('00000000-0000-4000-8000-000000000005', 'coach'),
  ('00000000-0000-4000-8000-000000000006', 'legal'),
  ('00000000-0000-4000-8000-000000000007', 'coach'),
  ('00000000-0000-4000-8000-000000000007', 'hr'),
  ('00000000-0000-4000-8000-000000000008', 'player'),
  ('00000000-0000-4000-8000-000000000009', 'information-gatherer')
ON CONFLICT DO NOTHING;

INSERT INTO channel (id, kind, base_url, max_length) VALUES
  ('sandbox', 'mastodon', 'http://127.0.0.1:7700', 500)
ON CONFLICT DO NOTHING;

INSERT INTO channel_account (channel_id, department_id, handle, token) VALUES
  ('sandbox', 'hub', 'example', 'sbx-hub'),
  ('sandbox', 'marketing', 'example_marketing', 'sbx-marketing'),
  ('sandbox', 'customer-care', 'example_care', 'sbx-customer-care'),
  ('sandbox', 'legal', 'example_legal', 'sbx-legal'),
  ('sandbox', 'hr', 'example_careers', 'sbx-hr')
ON CONFLICT DO NOTHING;

-- Listening feeds (docs/feeds.md), polled by ingest: the sandbox's mentions
-- of customer care's account (read with its credential), and its #example
-- hashtag (public). url '' follows the channel's base URL; both route among
-- any department.
INSERT INTO feed (id, kind, channel_id, url, tag, account_department, interval_s) VALUES
  ('care-mentions', 'mastodon-mentions', 'sandbox', '', NULL, 'customer-care', 5),
  ('tag-example', 'mastodon-tag', 'sandbox', '', 'example', NULL, 15)
ON CONFLICT DO NOTHING;

INSERT INTO routing_rule (id, priority, keywords, channel_id, department_id) VALUES
  ('legal-threats', 10, '{lawsuit,lawyer,attorney,gdpr,sue}', NULL, 'legal'),
  ('support', 20, '{refund,broken,order,support,help,delivery,invoice}', NULL, 'customer-care'),
  ('jobs', 30, '{job,jobs,hiring,career,careers,internship}', NULL, 'hr'),
  ('partnerships', 40, '{partnership,collab,collaboration,sponsor,campaign}', NULL, 'marketing')
ON CONFLICT DO NOTHING;
-- What no rule takes goes to triage, where Ivy (information-gatherer)
-- sends it on (docs/inbox-work.md).

-- The inbox (docs/sla.md): customer care answers within 30 business
-- minutes, Berlin office hours; everyone else on the organization's default
-- (60 minutes, 09:00-17:00 UTC, Monday to Friday).
INSERT INTO inbox_setting (department_id, time_zone, working_days, opens_at, closes_at,
                           first_response_minutes, warn_minutes, assign_cap) VALUES
  ('customer-care', 'Europe/Berlin', '{1,2,3,4,5}', '08:00', '18:00', 30, 10, 15)
ON CONFLICT DO NOTHING;
INSERT INTO business_holiday (department_id, day, name) VALUES
  ('', '2026-12-24', 'Christmas Eve'),
  ('', '2026-12-25', 'Christmas Day'),
  ('', '2026-12-26', 'Boxing Day'),
  ('', '2027-01-01', 'New Year''s Day')
ON CONFLICT DO NOTHING;

-- Every item needs a coach of its own department; findings may add legal.
INSERT INTO approval_step (department_id, role, same_department) VALUES
  (NULL, 'coach', true)
ON CONFLICT DO NOTHING;

INSERT INTO review_role (role, same_department) VALUES
  ('legal', false),
  ('crisis', false),
  ('coach', true)
ON CONFLICT DO NOTHING;

-- Policy by committee: a proposal activates when legal and HR have both
-- approved it (never its proposer: docs/policy.md).
INSERT INTO policy_review_step (role, ord) VALUES
  ('legal', 1),
  ('hr', 2)
ON CONFLICT DO NOTHING;
