-- transfers: every fungible token movement into or out of one wallet (native coins and
-- ERC-20s) on every chain tokens.transfers covers, oldest first.
--
-- A row is the wallet's when the wallet is the sender ("from") or the receiver ("to"); who
-- signed the transaction does not matter, because only the balance moves count (a swap's
-- pool-to-pool leg in the wallet's own transaction moves nothing of the wallet's). Amounts
-- are always positive; direction says which way they went and counterparty who was on the
-- other side. Tokens Dune has no metadata for keep amount_raw but have no symbol or
-- amount; tokens without a price have no USD value. Zero-value and spam transfers are kept
-- on purpose: hiding rows is the tax tool's decision, not the report's.
--
-- Parameter wallet_address: the EVM address as 0x-prefixed hex text (40 digits, any letter
-- case). It goes into the SQL unquoted, so the caller must have validated it.
WITH wallet AS (
    -- Dune puts a text parameter into the SQL verbatim, so the unquoted address arrives as a
    -- varbinary literal: the 20 bytes Dune's address columns hold, whatever the letter case
    -- of its hex digits. Quoted ('...') it would be varchar: a type error on Dune, and no
    -- matching rows in DuckDB.
    SELECT {{wallet_address}} AS address
)
SELECT
    t.block_time,
    t.blockchain,
    t.block_number,
    t.tx_hash,
    t.tx_index,
    t.evt_index,
    -- Native transfers are calls, not logs: no evt_index, the call's trace address instead.
    -- As text ('0,1'), because a CSV has no array type.
    array_join(t.trace_address, ',') AS trace_address,
    CASE
        WHEN t."from" = w.address AND t."to" = w.address THEN 'self'
        WHEN t."to" = w.address THEN 'in'
        ELSE 'out'
    END AS direction,
    t.token_standard,
    t.contract_address,
    t.symbol,
    t.amount,
    t.amount_raw,
    t.price_usd,
    t.amount_usd,
    t."from",
    t."to",
    CASE WHEN t."to" = w.address THEN t."from" ELSE t."to" END AS counterparty,
    t.tx_from,
    t.tx_to
FROM tokens.transfers AS t
CROSS JOIN wallet AS w
WHERE t."from" = w.address
    OR t."to" = w.address
-- A log has a unique evt_index in its block and a call a unique trace address in its
-- transaction, so this order is total and chronological.
ORDER BY t.block_time, t.blockchain, t.block_number, t.tx_index, t.evt_index, trace_address
