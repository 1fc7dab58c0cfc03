-- The publisher's holds (docs/crisis-hold.md): a declaration's consumer
-- reads whether the crisis holds publishing from its own row (017 granted
-- the publisher the other columns it reads), since a crisis resumed
-- before its declaration is applied is no longer in crisis_in_force.
-- Every statement here may run again without harm.
GRANT SELECT (hold) ON crisis TO huddle_publisher;
