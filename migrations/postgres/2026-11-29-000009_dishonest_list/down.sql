DROP INDEX outbox_subscription_id;
ALTER TABLE outbox DROP COLUMN subscription_id;
DROP TABLE partner_subscriptions;
DROP TABLE partner_keys;
DROP TABLE partners;
DROP TABLE dishonest_entry_events;
DROP TABLE dishonest_entries;
