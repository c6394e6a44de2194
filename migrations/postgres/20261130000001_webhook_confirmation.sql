-- A webhook subscription receives updates only once its receiver has confirmed it: by
-- echoing the challenge of the confirmation request, or through the confirmation page the
-- request links to. Until then `confirmed_at_ms` is NULL; `confirm_token` is the challenge.
-- Subscriptions made before confirmation existed keep receiving updates (they are marked
-- confirmed as of their creation); an admin can remove any of them.
ALTER TABLE webhook_subscriptions ADD COLUMN confirm_token TEXT;
ALTER TABLE webhook_subscriptions ADD COLUMN confirmed_at_ms BIGINT;
UPDATE webhook_subscriptions SET confirmed_at_ms = created_at_ms;
CREATE UNIQUE INDEX webhook_subscriptions_confirm_token ON webhook_subscriptions (confirm_token);
