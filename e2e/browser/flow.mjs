// Headless Chromium walks through okta-server as an admin and then a member would:
// the Owner's one-time sign-in link, Settings → Okta Integration → Set Up (IdP SSO URL, issuer,
// certificate), the SCIM token page (the token is copied with the page's Copy button), a user
// provisioned over SCIM with that token, then "Sign in with Okta" through the test IdP, the
// Connect GitHub step, Skip, and the organization home page.
//
// Every page visited is saved as a numbered PNG in SCREENSHOT_DIR. Configuration comes from the
// environment (all required):
//   SIGN_IN_URL     the Owner's one-time sign-in URL (http://test-org.localhost:PORT/signin/...)
//   SERVER_ADDRESS  where the server listens (http://127.0.0.1:PORT), for the SCIM request
//   IDP_SSO_URL, IDP_ISSUER, IDP_CERT_FILE   what the admin types into the Set Up form
//   USER_EMAIL      the user to provision and sign in
//   SCREENSHOT_DIR  where the screenshots go
// On success it prints one JSON line {"visited": [...], "screenshots": [...]} and exits 0.

import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const STEP_TIMEOUT_MS = 15_000;
const WHOLE_RUN_TIMEOUT_MS = 150_000;
const APPLY_TIMEOUT_MS = 30_000;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

const config = {
  signInUrl: required('SIGN_IN_URL'),
  serverAddress: required('SERVER_ADDRESS'),
  idpSsoUrl: required('IDP_SSO_URL'),
  idpIssuer: required('IDP_ISSUER'),
  idpCert: readFileSync(required('IDP_CERT_FILE'), 'utf8'),
  userEmail: required('USER_EMAIL'),
  screenshotDir: required('SCREENSHOT_DIR'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
};
const orgOrigin = new URL(config.signInUrl).origin;

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** POST /okta/scim/Users as Okta does, to the listening address with the organization's Host. */
function scimCreateUser(token, email) {
  const body = JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    name: { givenName: 'Browser', familyName: 'Member' },
    emails: [{ primary: true, value: email, type: 'work' }],
    displayName: 'Browser Member',
    active: true,
  });
  const server = new URL(config.serverAddress);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: server.hostname,
        port: server.port,
        method: 'POST',
        path: '/okta/scim/Users',
        timeout: STEP_TIMEOUT_MS,
        headers: {
          Host: new URL(orgOrigin).host,
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/scim+json',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode, body: text }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('SCIM request timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

async function main() {
  mkdirSync(config.screenshotDir, { recursive: true });
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: config.chromium,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 820 },
  });
  const visited = [];
  const screenshots = [];
  let page;
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: orgOrigin });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });

    const shot = async (name) => {
      const file = path.join(
        config.screenshotDir,
        `${String(screenshots.length + 1).padStart(2, '0')}-${name}.png`,
      );
      await page.screenshot({ path: file, fullPage: true });
      screenshots.push(file);
    };
    const expectText = async (text) => {
      const body = await page.locator('body').innerText();
      check(body.includes(text), `${page.url()} shows ${JSON.stringify(text)}; it shows:\n${body}`);
    };
    const expectPath = (pathname) => {
      const url = new URL(page.url());
      check(
        url.origin === orgOrigin && url.pathname === pathname,
        `at ${orgOrigin}${pathname}, not ${page.url()}`,
      );
    };

    // 1. The Owner's one-time sign-in link: a page with a button that posts the token.
    await page.goto(config.signInUrl);
    await expectText('One-time sign-in');
    await shot('one-time-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${orgOrigin}/`);
    await expectText('Signed in as owner@example.com (Owner).');
    await shot('owner-home');

    // 2. Settings → Okta Integration → Set Up.
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.waitForURL(`${orgOrigin}/settings/okta`);
    await page.getByRole('link', { name: 'Okta Integration', exact: true }).first().click();
    await page.waitForURL(`${orgOrigin}/settings/okta`);
    await expectText('Connect this organization to Okta');
    await shot('okta-integration-not-set-up');
    await page.getByRole('link', { name: 'Set Up', exact: true }).click();
    await page.waitForURL(`${orgOrigin}/settings/okta/setup`);
    await page.getByLabel('Identity Provider Single Sign-On URL').fill(config.idpSsoUrl);
    await page.getByLabel('Identity Provider Issuer').fill(config.idpIssuer);
    await page.getByLabel('X.509 Certificate', { exact: true }).fill(config.idpCert);
    await shot('set-up-form-filled');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(`${orgOrigin}/settings/okta/setup`);
    await expectText('SCIM Authorization Token');
    await expectText('It is shown only this once.');

    // 3. The token page: copy the token with its Copy button, as an admin would.
    const tokenField = page.locator('#scim-token');
    const shown = await tokenField.inputValue();
    check(/^[A-Za-z0-9_-]{40,}$/.test(shown), `a SCIM token is shown, not ${JSON.stringify(shown)}`);
    await page.locator('button[data-copy="scim-token"]').click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    check(copied === shown, 'the Copy button put the token on the clipboard');
    await shot('scim-token');

    // 4. Okta provisions a user with the copied token.
    const created = await scimCreateUser(copied, config.userEmail);
    check(created.status === 201, `SCIM create answered 201, not ${created.status}: ${created.body}`);
    check(JSON.parse(created.body).userName === config.userEmail, 'SCIM create echoes the userName');

    // 5. Progress until the worker applied it, and the provisioned users page.
    await page.getByRole('link', { name: 'I have stored the token' }).click();
    await page.waitForURL(`${orgOrigin}/settings/okta`);
    const deadline = Date.now() + APPLY_TIMEOUT_MS;
    while ((await page.locator('#queued').innerText()) !== '0') {
      check(Date.now() < deadline, 'provisioning applied within 30 s');
      // The page refreshes itself while changes are queued; wait for that reload.
      await page.waitForEvent('load');
    }
    check((await page.locator('#failed').innerText()) === '0', 'no provisioning failures');
    await expectText('Connected');
    await shot('okta-integration-connected');
    await page.getByRole('link', { name: 'Provisioned users' }).click();
    await page.waitForURL(`${orgOrigin}/settings/okta/users`);
    await expectText(config.userEmail);
    await shot('provisioned-users');

    // 6. Sign out; sign in as the provisioned user through the IdP.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${orgOrigin}/signin`);
    await shot('sign-in-page');
    // The IdP's page posts itself as soon as it loads. To photograph it, its first POST is
    // stopped in the browser (it never reaches the server), then the same form is submitted
    // again from the same page.
    let heldPost;
    const postHeld = new Promise((resolve) => (heldPost = resolve));
    await page.route(
      `${orgOrigin}/okta/auth`,
      async (route) => {
        check(route.request().method() === 'POST', 'the IdP page posts to the ACS');
        await route.abort('aborted');
        heldPost();
      },
      { times: 1 },
    );
    await page.getByRole('link', { name: 'Sign in with Okta' }).click();
    await postHeld;
    await page.waitForURL((url) => url.href.startsWith(`${config.idpSsoUrl}?SAMLRequest=`));
    await expectText(`Signing in ${config.userEmail}`);
    await shot('idp-auto-post');
    await page.unroute(`${orgOrigin}/okta/auth`);
    await page.locator('form').evaluate((form) => form.submit());
    await page.waitForURL(`${orgOrigin}/welcome/github`);
    check(
      visited.some((url) => url.startsWith(`${config.idpSsoUrl}?SAMLRequest=`)),
      `the browser went through the IdP (${visited.join(' → ')})`,
    );
    await expectText('Connect GitHub');
    await shot('connect-github');
    await page.getByRole('link', { name: 'Skip for now' }).click();
    await page.waitForURL(`${orgOrigin}/`);
    await expectText(`Signed in as ${config.userEmail} (Member).`);
    await shot('member-home');
  } catch (error) {
    // What the browser showed when the walk went wrong.
    if (page) {
      const file = path.join(config.screenshotDir, 'failure.png');
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      const text = await page.locator('body').innerText().catch(() => '(no body)');
      console.error(`failed at ${page.url()} (screenshot ${file}); the page shows:\n${text}`);
    }
    console.error(`visited: ${visited.join(' → ')}`);
    throw error;
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ visited, screenshots }));
}

const watchdog = setTimeout(() => {
  console.error(`browser flow did not finish within ${WHOLE_RUN_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, WHOLE_RUN_TIMEOUT_MS);
try {
  await main();
  clearTimeout(watchdog);
} catch (error) {
  console.error(error);
  process.exit(1);
}
