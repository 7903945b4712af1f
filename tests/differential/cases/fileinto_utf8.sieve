require "fileinto";
fileinto "Archiv/Grüße";
