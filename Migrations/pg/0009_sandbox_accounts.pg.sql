-- The sandbox transport's log is listed per account (GET /v1/Sandbox/Deliveries): each row names the account whose
-- message it carried (PostgreSQL dialect of ../sql/0009_sandbox_accounts.sql).
ALTER TABLE sandbox_deliveries ADD COLUMN account_sid TEXT;
UPDATE sandbox_deliveries SET account_sid = (
    SELECT services.account_sid FROM delivery_receipts JOIN services ON services.sid = delivery_receipts.service_sid
    WHERE delivery_receipts.sid = sandbox_deliveries.receipt_sid);
CREATE INDEX sandbox_deliveries_by_account ON sandbox_deliveries (account_sid, seq);
