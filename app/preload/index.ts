// The preload bridge: the renderer's only way into Electron. Six calls — server profiles and the
// keychain-held token — and nothing else; the console talks HTTP to the appliance like a browser.

import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_CHANNELS, type ConsoleBridge } from '../shared/console-bridge.ts';

const bridge: ConsoleBridge = {
  listProfiles: () => ipcRenderer.invoke(BRIDGE_CHANNELS.listProfiles),
  saveProfile: (profile) => ipcRenderer.invoke(BRIDGE_CHANNELS.saveProfile, profile),
  deleteProfile: (id) => ipcRenderer.invoke(BRIDGE_CHANNELS.deleteProfile, id),
  getToken: (profileId) => ipcRenderer.invoke(BRIDGE_CHANNELS.getToken, profileId),
  setToken: (profileId, token) => ipcRenderer.invoke(BRIDGE_CHANNELS.setToken, profileId, token),
  clearToken: (profileId) => ipcRenderer.invoke(BRIDGE_CHANNELS.clearToken, profileId),
};

contextBridge.exposeInMainWorld('faxseal', bridge);
