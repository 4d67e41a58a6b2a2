// Drives a running localnet with an unmodified @solana/web3.js 1.x Connection and prints
// one JSON line of what it saw; the pytest side compares that with the ledger.
// Env: RPC_URL, WS_URL, PAYER_SECRET (JSON array of 64 bytes), USDC_MINT.
const assert = require('node:assert/strict');
const web3 = require('@solana/web3.js');

const MEMO_PROGRAM = new web3.PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
const TOKEN_PROGRAM = new web3.PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
const ATA_PROGRAM = new web3.PublicKey('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');

// Progress on stderr, so a run that stalls shows the last step it reached.
const started = Date.now();
function step(what) {
  process.stderr.write(`web3_check +${Date.now() - started}ms ${what}\n`);
}

function ata(owner, mint) {
  return web3.PublicKey.findProgramAddressSync(
    [owner.toBuffer(), TOKEN_PROGRAM.toBuffer(), mint.toBuffer()], ATA_PROGRAM)[0];
}

// Rejects instead of waiting forever, so a stall names what it was waiting for.
function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Resolves once the server has answered the subscribe request for a web3.js client
// subscription id. web3.js 1.x has no public promise for this; Connection's own
// confirmTransaction waits the same way, through this internal hook (web3.js is pinned in
// package-lock.json; the assert makes an upgrade that drops the hook fail loudly).
function subscribed(conn, clientSubscriptionId, what) {
  assert.equal(typeof conn._onSubscriptionStateChange, 'function',
    '@solana/web3.js no longer has Connection._onSubscriptionStateChange');
  let dispose = () => {};
  const acknowledged = new Promise((resolve) => {
    // onLogs/onSignature only queue the request, so the state is still 'pending' here and
    // the change to 'subscribed' cannot have happened yet.
    dispose = conn._onSubscriptionStateChange(clientSubscriptionId, (state) => {
      if (state === 'subscribed') resolve();
    });
  });
  return within(20_000, acknowledged, `the server to acknowledge ${what}`)
    .finally(() => dispose());
}

async function main() {
  const conn = new web3.Connection(process.env.RPC_URL,
    { commitment: 'confirmed', wsEndpoint: process.env.WS_URL });
  const payer = web3.Keypair.fromSecretKey(Uint8Array.from(JSON.parse(process.env.PAYER_SECRET)));
  const usdc = new web3.PublicKey(process.env.USDC_MINT);
  const merchant = web3.Keypair.generate().publicKey;
  const reference = web3.Keypair.generate().publicKey;
  const out = { merchant: merchant.toBase58(), reference: reference.toBase58() };
  step('start');

  const version = await conn.getVersion();
  assert.ok(version['solana-core']);
  out.slot = await conn.getSlot('processed');
  out.payerBalanceBefore = await conn.getBalance(payer.publicKey, 'processed');

  step(`slot ${out.slot}, balances read`);
  // Push: logs mentioning the merchant, at confirmed. Like a real node, the localnet only
  // notifies subscriptions that exist when the transaction reaches the commitment; nothing
  // is replayed to a late subscriber. web3.js subscribes in the background (open the
  // websocket, then logsSubscribe) and onLogs returns no promise, so the payment must wait
  // until the server has acknowledged the subscription (the 'subscribed' state). A fixed
  // sleep here (500 ms) was a race: on a loaded machine the websocket handshake can take
  // longer, the payment is then confirmed first and the notification never comes.
  let logsId;
  const logsSeen = new Promise((resolve) => {
    logsId = conn.onLogs(merchant, (logs) => { conn.removeOnLogsListener(logsId); resolve(logs); },
      'confirmed');
  });
  await subscribed(conn, logsId, 'logsSubscribe');
  step('logs subscription acknowledged by the server');

  // A Solana Pay style SOL payment: memo, then transfer with the reference as read-only key.
  const transfer = web3.SystemProgram.transfer(
    { fromPubkey: payer.publicKey, toPubkey: merchant, lamports: 25_000_000 });
  transfer.keys.push({ pubkey: reference, isSigner: false, isWritable: false });
  const tx = new web3.Transaction()
    .add(new web3.TransactionInstruction({ programId: MEMO_PROGRAM, keys: [],
      data: Buffer.from('inv-web3', 'utf8') }))
    .add(transfer);
  step('sending the legacy payment');
  out.legacySignature = await web3.sendAndConfirmTransaction(conn, tx, [payer],
    { commitment: 'confirmed' });
  step(`legacy payment confirmed: ${out.legacySignature}; waiting for its logsNotification`);
  const logs = await within(10_000, logsSeen, 'the logsNotification for the legacy payment');
  step('logsNotification received');
  assert.equal(logs.signature, out.legacySignature);
  assert.equal(logs.err, null);

  const found = await conn.getSignaturesForAddress(reference, {}, 'confirmed');
  out.referenceSignatures = found.map((s) => s.signature);
  out.referenceMemo = found[0].memo;
  const fetched = await conn.getTransaction(out.legacySignature,
    { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  const keys = fetched.transaction.message.staticAccountKeys.map((k) => k.toBase58());
  out.merchantPost = fetched.meta.postBalances[keys.indexOf(merchant.toBase58())];
  out.fee = fetched.meta.fee;
  const parsed = await conn.getParsedTransaction(out.legacySignature,
    { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  out.parsedTypes = parsed.transaction.message.instructions.map((i) => i.parsed?.type ?? i.parsed);

  // A v0 transaction, confirmed through the blockhash strategy.
  const latest = await conn.getLatestBlockhash('confirmed');
  const message = new web3.TransactionMessage({
    payerKey: payer.publicKey, recentBlockhash: latest.blockhash,
    instructions: [web3.SystemProgram.transfer(
      { fromPubkey: payer.publicKey, toPubkey: merchant, lamports: 1_000_000 })],
  }).compileToV0Message();
  const v0 = new web3.VersionedTransaction(message);
  v0.sign([payer]);
  out.v0Fee = (await conn.getFeeForMessage(message, 'confirmed')).value;
  out.v0Signature = await conn.sendTransaction(v0);
  step(`v0 sent: ${out.v0Signature}; confirming`);
  const confirmation = await conn.confirmTransaction(
    { signature: out.v0Signature, ...latest }, 'confirmed');
  assert.equal(confirmation.value.err, null);
  step('v0 confirmed');
  const v0tx = await conn.getTransaction(out.v0Signature,
    { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  out.v0Version = v0tx.version;
  const statuses = await conn.getSignatureStatuses([out.legacySignature, out.v0Signature]);
  out.statuses = statuses.value.map((s) => s.confirmationStatus);

  // Tokens: the genesis USDC balance, parsed token accounts and the mint.
  const payerAta = ata(payer.publicKey, usdc);
  out.usdcBalance = (await conn.getTokenAccountBalance(payerAta)).value.amount;
  const owned = await conn.getParsedTokenAccountsByOwner(payer.publicKey, { mint: usdc });
  out.ownedTokenAccounts = owned.value.map((a) => a.pubkey.toBase58());
  const mintInfo = await conn.getParsedAccountInfo(usdc);
  out.mintDecimals = mintInfo.value.data.parsed.info.decimals;

  // Airdrop through the faucet, confirmed.
  const fresh = web3.Keypair.generate().publicKey;
  const airdrop = await conn.requestAirdrop(fresh, web3.LAMPORTS_PER_SOL);
  step(`airdrop sent: ${airdrop}; confirming`);
  await conn.confirmTransaction({ signature: airdrop, ...(await conn.getLatestBlockhash()) });
  step('airdrop confirmed');
  out.airdropBalance = await conn.getBalance(fresh);
  out.rent165 = await conn.getMinimumBalanceForRentExemption(165);
  out.payerBalanceAfter = await conn.getBalance(payer.publicKey, 'processed');

  step('done');
  console.log(JSON.stringify(out));
  process.exit(0);
}

main().catch((err) => { console.error(err); process.exit(1); });
