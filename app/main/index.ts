// Electron main process: one window showing the renderer from the `faxseal-console` scheme, the
// preload bridge's IPC handlers, and API forwarding to the selected server profile. The logic
// lives in plain modules beside this file; this one only wires Electron into them.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, net, protocol, safeStorage, shell } from 'electron';
import { CONSOLE_ORIGIN, CONSOLE_SCHEME } from '../shared/console-bridge.ts';
import { createBridgeHandlers } from './bridge-handlers.ts';
import { createConsoleRequestHandler } from './console-protocol.ts';
import { createProfileStore } from './profile-store.ts';
import { createTokenVault } from './token-vault.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

// Standard + secure: the renderer gets a real origin, fetch and sessionStorage like on https.
protocol.registerSchemesAsPrivileged([
  { scheme: CONSOLE_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    title: 'FaxSeal Console',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  // The console never navigates away; links to elsewhere open in the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://') || url.startsWith('http://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(CONSOLE_ORIGIN)) event.preventDefault();
  });
  void window.loadURL(`${CONSOLE_ORIGIN}/partner`);
}

void app.whenReady().then(() => {
  const userData = app.getPath('userData');
  const profiles = createProfileStore(userData);
  const tokens = createTokenVault(userData, safeStorage);
  for (const [channel, handler] of Object.entries(createBridgeHandlers(profiles, tokens))) {
    ipcMain.handle(channel, (_event, ...args: unknown[]) => handler(...args));
  }
  protocol.handle(
    CONSOLE_SCHEME,
    createConsoleRequestHandler({
      rendererDir: path.join(here, '../renderer'),
      profile: (id) => profiles.get(id),
      fetch: (url, init) => net.fetch(url, init),
    }),
  );
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
