-- lp_events: every liquidity-provision event of one wallet on Uniswap V2 (Ethereum) and
-- Uniswap V3 (Ethereum, Arbitrum, Base), oldest first, with both tokens priced in USD.
--
-- event_type:
--   add_liquidity     tokens go from the wallet into the pool (V2 Mint, V3 IncreaseLiquidity)
--   remove_liquidity  V2 Burn: tokens come back to the wallet. V3 DecreaseLiquidity: the
--                     tokens only become owed to the position, nothing moves yet
--   collect           V3 Collect: owed tokens (removed principal plus earned fees) move to
--                     the recipient; fees are collect minus the preceding remove_liquidity
--
-- An event is the wallet's when the wallet signed its transaction (evt_tx_from), or, where
-- the event names one, when the wallet is who receives the tokens (V2 Burn "to", V3 Collect
-- recipient: an approved keeper can collect to the wallet). The Mint and Burn "sender" is
-- the router, never the wallet, so it is not used. Liquidity added from a smart-contract
-- wallet whose transactions a relayer signs is therefore not found.
--
-- Token amounts use tokens.erc20 decimals; USD values use prices.usd at the event's minute,
-- and are null when the token has no price then (amount_usd is null unless both are known).
-- liquidity is the V3 liquidity delta; V2 events leave it null (the LP tokens minted or
-- burnt are in the transfers report).
--
-- Parameter wallet_address: the EVM address as 0x-prefixed hex text (40 digits, any letter
-- case). It goes into the SQL unquoted, so the caller must have validated it.
WITH wallet AS (
    -- Dune puts a text parameter into the SQL verbatim, so the unquoted address arrives as a
    -- varbinary literal: the 20 bytes Dune's address columns hold, whatever the letter case
    -- of its hex digits. Quoted ('...') it would be varchar: a type error on Dune, and no
    -- matching rows in DuckDB.
    SELECT {{wallet_address}} AS address
),

v2_pairs AS (
    SELECT pair, token0, token1
    FROM uniswap_v2_ethereum.Factory_evt_PairCreated
),

v2_events AS (
    SELECT
        'ethereum' AS blockchain,
        '2' AS version,
        'add_liquidity' AS event_type,
        m.evt_block_time AS block_time,
        m.evt_block_number AS block_number,
        m.evt_tx_hash AS tx_hash,
        m.evt_index,
        m.contract_address,
        CAST(NULL AS uint256) AS position_id,
        CAST(NULL AS uint256) AS liquidity,
        m.amount0,
        m.amount1,
        m.evt_tx_from AS tx_from,
        CAST(NULL AS varbinary) AS recipient
    FROM uniswap_v2_ethereum.Pair_evt_Mint AS m
    CROSS JOIN wallet AS w
    WHERE m.evt_tx_from = w.address
    UNION ALL
    SELECT
        'ethereum',
        '2',
        'remove_liquidity',
        b.evt_block_time,
        b.evt_block_number,
        b.evt_tx_hash,
        b.evt_index,
        b.contract_address,
        CAST(NULL AS uint256),
        CAST(NULL AS uint256),
        b.amount0,
        b.amount1,
        b.evt_tx_from,
        b."to"
    FROM uniswap_v2_ethereum.Pair_evt_Burn AS b
    CROSS JOIN wallet AS w
    WHERE b.evt_tx_from = w.address
        OR b."to" = w.address
),

-- The V3 tables are per chain; each is read with its columns named, because a decoded table
-- does not promise the same column order on every chain.
v3_increases AS (
    SELECT 'ethereum' AS blockchain, contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, liquidity, amount0, amount1
    FROM uniswap_v3_ethereum.NonfungiblePositionManager_evt_IncreaseLiquidity
    UNION ALL
    SELECT 'arbitrum', contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, liquidity, amount0, amount1
    FROM uniswap_v3_arbitrum.NonfungiblePositionManager_evt_IncreaseLiquidity
    UNION ALL
    SELECT 'base', contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, liquidity, amount0, amount1
    FROM uniswap_v3_base.NonfungiblePositionManager_evt_IncreaseLiquidity
),

v3_decreases AS (
    SELECT 'ethereum' AS blockchain, contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, liquidity, amount0, amount1
    FROM uniswap_v3_ethereum.NonfungiblePositionManager_evt_DecreaseLiquidity
    UNION ALL
    SELECT 'arbitrum', contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, liquidity, amount0, amount1
    FROM uniswap_v3_arbitrum.NonfungiblePositionManager_evt_DecreaseLiquidity
    UNION ALL
    SELECT 'base', contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, liquidity, amount0, amount1
    FROM uniswap_v3_base.NonfungiblePositionManager_evt_DecreaseLiquidity
),

v3_collects AS (
    SELECT 'ethereum' AS blockchain, contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, recipient, amount0, amount1
    FROM uniswap_v3_ethereum.NonfungiblePositionManager_evt_Collect
    UNION ALL
    SELECT 'arbitrum', contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, recipient, amount0, amount1
    FROM uniswap_v3_arbitrum.NonfungiblePositionManager_evt_Collect
    UNION ALL
    SELECT 'base', contract_address, evt_tx_hash, evt_tx_from, evt_index,
        evt_block_time, evt_block_number, tokenId, recipient, amount0, amount1
    FROM uniswap_v3_base.NonfungiblePositionManager_evt_Collect
),

-- The position manager's events name a position, not its pool. Every IncreaseLiquidity is
-- emitted right after the pool's own Mint in the same transaction, with the manager as the
-- Mint's owner and the same liquidity and amounts: that Mint names the pool.
v3_pool_mints AS (
    SELECT 'ethereum' AS blockchain, contract_address, evt_tx_hash, owner, amount, amount0, amount1
    FROM uniswap_v3_ethereum.Pair_evt_Mint
    UNION ALL
    SELECT 'arbitrum', contract_address, evt_tx_hash, owner, amount, amount0, amount1
    FROM uniswap_v3_arbitrum.Pair_evt_Mint
    UNION ALL
    SELECT 'base', contract_address, evt_tx_hash, owner, amount, amount0, amount1
    FROM uniswap_v3_base.UniswapV3Pool_evt_Mint
),

v3_pools AS (
    SELECT 'ethereum' AS blockchain, pool, token0, token1
    FROM uniswap_v3_ethereum.Factory_evt_PoolCreated
    UNION ALL
    SELECT 'arbitrum', pool, token0, token1
    FROM uniswap_v3_arbitrum.Factory_evt_PoolCreated
    UNION ALL
    SELECT 'base', pool, token0, token1
    FROM uniswap_v3_base.UniswapV3Factory_evt_PoolCreated
),

v3_events AS (
    SELECT
        i.blockchain,
        '3' AS version,
        'add_liquidity' AS event_type,
        i.evt_block_time AS block_time,
        i.evt_block_number AS block_number,
        i.evt_tx_hash AS tx_hash,
        i.evt_index,
        i.contract_address,
        i.tokenId AS position_id,
        i.liquidity,
        i.amount0,
        i.amount1,
        i.evt_tx_from AS tx_from,
        CAST(NULL AS varbinary) AS recipient
    FROM v3_increases AS i
    CROSS JOIN wallet AS w
    WHERE i.evt_tx_from = w.address
    UNION ALL
    SELECT
        d.blockchain,
        '3',
        'remove_liquidity',
        d.evt_block_time,
        d.evt_block_number,
        d.evt_tx_hash,
        d.evt_index,
        d.contract_address,
        d.tokenId,
        d.liquidity,
        d.amount0,
        d.amount1,
        d.evt_tx_from,
        CAST(NULL AS varbinary)
    FROM v3_decreases AS d
    CROSS JOIN wallet AS w
    WHERE d.evt_tx_from = w.address
    UNION ALL
    SELECT
        c.blockchain,
        '3',
        'collect',
        c.evt_block_time,
        c.evt_block_number,
        c.evt_tx_hash,
        c.evt_index,
        c.contract_address,
        c.tokenId,
        CAST(NULL AS uint256),
        c.amount0,
        c.amount1,
        c.evt_tx_from,
        c.recipient
    FROM v3_collects AS c
    CROSS JOIN wallet AS w
    WHERE c.evt_tx_from = w.address
        OR c.recipient = w.address
),

v3_positions AS (
    SELECT DISTINCT
        i.blockchain,
        i.tokenId AS position_id,
        m.contract_address AS pool_address
    FROM (SELECT DISTINCT blockchain, position_id FROM v3_events) AS p
    INNER JOIN v3_increases AS i
        ON i.blockchain = p.blockchain
        AND i.tokenId = p.position_id
    INNER JOIN v3_pool_mints AS m
        ON m.blockchain = i.blockchain
        AND m.evt_tx_hash = i.evt_tx_hash
        AND m.owner = i.contract_address
        AND m.amount = i.liquidity
        AND m.amount0 = i.amount0
        AND m.amount1 = i.amount1
),

events AS (
    SELECT
        e.blockchain, e.version, e.event_type, e.block_time, e.block_number, e.tx_hash,
        e.evt_index, e.contract_address, e.contract_address AS pool_address, e.position_id,
        e.liquidity, e.amount0, e.amount1, e.tx_from, e.recipient, p.token0, p.token1
    FROM v2_events AS e
    LEFT JOIN v2_pairs AS p
        ON p.pair = e.contract_address
    UNION ALL
    SELECT
        e.blockchain, e.version, e.event_type, e.block_time, e.block_number, e.tx_hash,
        e.evt_index, e.contract_address, pos.pool_address, e.position_id,
        e.liquidity, e.amount0, e.amount1, e.tx_from, e.recipient, pool.token0, pool.token1
    FROM v3_events AS e
    LEFT JOIN v3_positions AS pos
        ON pos.blockchain = e.blockchain
        AND pos.position_id = e.position_id
    LEFT JOIN v3_pools AS pool
        ON pool.blockchain = e.blockchain
        AND pool.pool = pos.pool_address
),

valued AS (
    SELECT
        e.*,
        t0.symbol AS token0_symbol,
        CAST(e.amount0 AS double) / power(10, t0.decimals) AS token0_amount,
        p0.price AS token0_price_usd,
        t1.symbol AS token1_symbol,
        CAST(e.amount1 AS double) / power(10, t1.decimals) AS token1_amount,
        p1.price AS token1_price_usd
    FROM events AS e
    LEFT JOIN tokens.erc20 AS t0
        ON t0.blockchain = e.blockchain
        AND t0.contract_address = e.token0
    LEFT JOIN tokens.erc20 AS t1
        ON t1.blockchain = e.blockchain
        AND t1.contract_address = e.token1
    LEFT JOIN prices.usd AS p0
        ON p0.blockchain = e.blockchain
        AND p0.contract_address = e.token0
        AND p0.minute = date_trunc('minute', e.block_time)
    LEFT JOIN prices.usd AS p1
        ON p1.blockchain = e.blockchain
        AND p1.contract_address = e.token1
        AND p1.minute = date_trunc('minute', e.block_time)
)

SELECT
    block_time,
    blockchain,
    'uniswap' AS project,
    version,
    event_type,
    block_number,
    tx_hash,
    evt_index,
    pool_address,
    position_id,
    token0 AS token0_address,
    token0_symbol,
    token0_amount,
    amount0 AS token0_amount_raw,
    token0_price_usd,
    token0_amount * token0_price_usd AS token0_amount_usd,
    token1 AS token1_address,
    token1_symbol,
    token1_amount,
    amount1 AS token1_amount_raw,
    token1_price_usd,
    token1_amount * token1_price_usd AS token1_amount_usd,
    token0_amount * token0_price_usd + token1_amount * token1_price_usd AS amount_usd,
    liquidity,
    contract_address,
    tx_from,
    recipient
FROM valued
-- evt_index numbers the logs of a whole block, so this order is total and chronological.
ORDER BY block_time, blockchain, block_number, evt_index
