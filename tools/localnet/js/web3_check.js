// Drives a running localnet with an unmodified @solana/web3.js 1.x Connection and prints
// one JSON line of what it saw; the pytest side compares that with the ledger.
// Env: RPC_URL, WS_URL, PAYER_SECRET (JSON array of 64 bytes), USDC_MINT.
const assert = require('node:assert/strict');
const web3 = require('@solana/web3.js');

const MEMO_PROGRAM = new web3.PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
const TOKEN_PROGRAM = new web3.PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
const ATA_PROGRAM = new web3.PublicKey('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');

function ata(owner, mint) {
  return web3.PublicKey.findProgramAddressSync(
    [owner.toBuffer(), TOKEN_PROGRAM.toBuffer(), mint.toBuffer()], ATA_PROGRAM)[0];
}

async function main() {
  const conn = new web3.Connection(process.env.RPC_URL,
    { commitment: 'confirmed', wsEndpoint: process.env.WS_URL });
  const payer = web3.Keypair.fromSecretKey(Uint8Array.from(JSON.parse(process.env.PAYER_SECRET)));
  const usdc = new web3.PublicKey(process.env.USDC_MINT);
  const merchant = web3.Keypair.generate().publicKey;
  const reference = web3.Keypair.generate().publicKey;
  const out = { merchant: merchant.toBase58(), reference: reference.toBase58() };

  const version = await conn.getVersion();
  assert.ok(version['solana-core']);
  out.slot = await conn.getSlot('processed');
  out.payerBalanceBefore = await conn.getBalance(payer.publicKey, 'processed');

  // Push: logs mentioning the merchant, at confirmed.
  const logsSeen = new Promise((resolve) => {
    const id = conn.onLogs(merchant, (logs) => { conn.removeOnLogsListener(id); resolve(logs); },
      'confirmed');
  });
  // web3.js opens the websocket and subscribes in the background with no promise to await;
  // give it a moment so the payment below is not confirmed before the subscription exists.
  await new Promise((resolve) => setTimeout(resolve, 500));

  // A Solana Pay style SOL payment: memo, then transfer with the reference as read-only key.
  const transfer = web3.SystemProgram.transfer(
    { fromPubkey: payer.publicKey, toPubkey: merchant, lamports: 25_000_000 });
  transfer.keys.push({ pubkey: reference, isSigner: false, isWritable: false });
  const tx = new web3.Transaction()
    .add(new web3.TransactionInstruction({ programId: MEMO_PROGRAM, keys: [],
      data: Buffer.from('inv-web3', 'utf8') }))
    .add(transfer);
  out.legacySignature = await web3.sendAndConfirmTransaction(conn, tx, [payer],
    { commitment: 'confirmed' });
  const logs = await logsSeen;
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
  const confirmation = await conn.confirmTransaction(
    { signature: out.v0Signature, ...latest }, 'confirmed');
  assert.equal(confirmation.value.err, null);
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
  await conn.confirmTransaction({ signature: airdrop, ...(await conn.getLatestBlockhash()) });
  out.airdropBalance = await conn.getBalance(fresh);
  out.rent165 = await conn.getMinimumBalanceForRentExemption(165);
  out.payerBalanceAfter = await conn.getBalance(payer.publicKey, 'processed');

  console.log(JSON.stringify(out));
  process.exit(0);
}

main().catch((err) => { console.error(err); process.exit(1); });
