// spandsp's numbers by name: T.30 completion codes, compressions and encodings, T.38 rate management and
// terminal options, its sample rate. Pure data: main-thread code keys on these names without loading the addon.

/** T.30 phase E completion codes (spandsp `T30_ERR_*`, in the library's order). */
export const T30CompletionCode = {
  OK: 0,
  CEDTONE: 1,
  T0_EXPIRED: 2,
  T1_EXPIRED: 3,
  T3_EXPIRED: 4,
  HDLC_CARRIER: 5,
  CANNOT_TRAIN: 6,
  OPER_INT_FAIL: 7,
  INCOMPATIBLE: 8,
  RX_INCAPABLE: 9,
  TX_INCAPABLE: 10,
  NORESSUPPORT: 11,
  NOSIZESUPPORT: 12,
  UNEXPECTED: 13,
  TX_BADDCS: 14,
  TX_BADPG: 15,
  TX_ECMPHD: 16,
  TX_GOTDCN: 17,
  TX_INVALRSP: 18,
  TX_NODIS: 19,
  TX_PHBDEAD: 20,
  TX_PHDDEAD: 21,
  TX_T5EXP: 22,
  RX_ECMPHD: 23,
  RX_GOTDCS: 24,
  RX_INVALCMD: 25,
  RX_NOCARRIER: 26,
  RX_NOEOL: 27,
  RX_NOFAX: 28,
  RX_T2EXPDCN: 29,
  RX_T2EXPD: 30,
  RX_T2EXPFAX: 31,
  RX_T2EXPMPS: 32,
  RX_T2EXPRR: 33,
  RX_T2EXP: 34,
  RX_DCNWHY: 35,
  RX_DCNDATA: 36,
  RX_DCNFAX: 37,
  RX_DCNPHD: 38,
  RX_DCNRRD: 39,
  RX_DCNNORTN: 40,
  FILEERROR: 41,
  NOPAGE: 42,
  BADTIFF: 43,
  BADPAGE: 44,
  BADTAG: 45,
  BADTIFFHDR: 46,
  NOMEM: 47,
  RETRYDCN: 48,
  CALLDROPPED: 49,
  NOPOLL: 50,
  IDENT_UNACCEPTABLE: 51,
  SUB_UNACCEPTABLE: 52,
  SEP_UNACCEPTABLE: 53,
  PSA_UNACCEPTABLE: 54,
  SID_UNACCEPTABLE: 55,
  PWD_UNACCEPTABLE: 56,
  TSA_UNACCEPTABLE: 57,
  IRA_UNACCEPTABLE: 58,
  CIA_UNACCEPTABLE: 59,
  ISP_UNACCEPTABLE: 60,
  CSA_UNACCEPTABLE: 61,
} as const;

/** Bits for `setSupportedCompressions` (spandsp `T30_SUPPORT_*_COMPRESSION`). */
export const T30Compression = { T4_1D: 0x02, T4_2D: 0x04, T6: 0x08 } as const;

/** Values for `setRxEncoding` (spandsp `T4_COMPRESSION_ITU_*`): how received pages are stored. */
export const T4Encoding = { T4_1D: 1, T4_2D: 2, T6: 3 } as const;

/** T.38 data rate management (SDP T38FaxRateManagement): localTCF = 1, transferredTCF = 2. */
export const T38RateManagement = { LOCAL_TCF: 1, TRANSFERRED_TCF: 2 } as const;

/**
 * T.38 terminal options (spandsp `T38_TERMINAL_OPTION_*`). NO_PACING runs a call as fast as the CPU allows:
 * for in-process tests only, a real far end needs real-time pacing.
 */
export const T38TerminalOption = {
  NO_PACING: 0x01,
  REGULAR_INDICATORS: 0x02,
  REPEATING_INDICATORS_2S: 0x04,
  NO_INDICATORS: 0x08,
} as const;

/** spandsp's unit of time: samples at 8 kHz. */
export const SAMPLE_RATE = 8000;
