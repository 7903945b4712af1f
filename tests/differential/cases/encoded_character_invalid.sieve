# Malformed encodings stay literal (RFC 5228 2.4.2.4).
require ["encoded-character", "fileinto"];
fileinto "${hex:zz}";
fileinto "${unicode: 41 }${hex:}${HEX:42}";
