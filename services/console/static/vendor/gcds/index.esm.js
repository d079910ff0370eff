
//# sourceMappingURL=index.esm.js.map