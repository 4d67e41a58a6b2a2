-- defi_trades: every DEX trade of one wallet on every chain dex.trades covers, oldest first.
--
-- A trade is the wallet's when the wallet received the bought tokens (taker) or signed the
-- transaction (tx_from): through a router or aggregator the taker is the router, and a
-- gasless order is signed by a relayer while the wallet is the taker, so either alone
-- would miss trades. dex.trades records one row per pool a swap passes through (hop);
-- trades_in_tx counts the wallet's rows in the transaction so that a multi-hop swap can be
-- netted into one disposal. amount_usd is Dune's USD value at execution (null when
-- neither token is priced).
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
    t.project,
    t.version,
    t.block_number,
    t.tx_hash,
    t.evt_index,
    t.token_sold_symbol,
    t.token_sold_amount,
    t.token_sold_amount_raw,
    t.token_sold_address,
    t.token_bought_symbol,
    t.token_bought_amount,
    t.token_bought_amount_raw,
    t.token_bought_address,
    t.amount_usd,
    t.token_pair,
    t.taker,
    t.maker,
    t.project_contract_address,
    t.tx_from,
    t.tx_to,
    count(*) OVER (PARTITION BY t.blockchain, t.tx_hash) AS trades_in_tx
FROM dex.trades AS t
CROSS JOIN wallet AS w
WHERE t.taker = w.address
    OR t.tx_from = w.address
-- evt_index numbers the logs of a whole block, so this order is total and chronological.
ORDER BY t.block_time, t.blockchain, t.block_number, t.evt_index
