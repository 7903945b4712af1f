# requires-zest: vacation
require "vacation";
vacation :days 3 :subject "Away" :from "bob@example.com" :handle "h1" "I am away until Monday.";
